package db

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// IdempotencyRecord is a request seen under an Idempotency-Key: in flight
// while Status is 0, then the response to replay.
type IdempotencyRecord struct {
	bun.BaseModel `bun:"table:idempotency_keys,alias:k"`

	UserID      uuid.UUID         `bun:"user_id,pk,type:uuid"`
	Key         string            `bun:"key,pk"`
	Fingerprint []byte            `bun:"fingerprint"`
	Status      int               `bun:"status,nullzero"`
	Headers     map[string]string `bun:"headers,type:jsonb"`
	Body        []byte            `bun:"body"`
	CreatedAt   time.Time         `bun:"created_at,nullzero,default:current_timestamp"`
	ExpiresAt   time.Time         `bun:"expires_at"`
}

// ClaimIdempotencyKey records rec as in flight. When the key is already
// taken and not expired, it returns the stored record and false.
func ClaimIdempotencyKey(ctx context.Context, idb bun.IDB, rec *IdempotencyRecord) (*IdempotencyRecord, bool, error) {
	for range 2 {
		res, err := idb.NewInsert().Model(rec).On("CONFLICT (user_id, key) DO NOTHING").Exec(ctx)
		if err != nil {
			return nil, false, formatError(err, "Idempotency key")
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return rec, true, nil
		}
		prev := new(IdempotencyRecord)
		err = idb.NewSelect().Model(prev).Where("k.user_id = ? AND k.key = ?", rec.UserID, rec.Key).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			continue // released meanwhile: claim again
		}
		if err != nil {
			return nil, false, formatError(err, "Idempotency key")
		}
		if prev.ExpiresAt.After(time.Now()) {
			return prev, false, nil
		}
		if err := ReleaseIdempotencyKey(ctx, idb, rec.UserID, rec.Key); err != nil {
			return nil, false, err
		}
	}
	return nil, false, errors.New("idempotency key kept changing")
}

// CompleteIdempotencyKey stores the response of a claimed key.
func CompleteIdempotencyKey(ctx context.Context, idb bun.IDB, rec *IdempotencyRecord) error {
	_, err := idb.NewUpdate().Model(rec).Column("status", "headers", "body").WherePK().Exec(ctx)
	return formatError(err, "Idempotency key")
}

// ReleaseIdempotencyKey forgets a key, so the request may be retried.
func ReleaseIdempotencyKey(ctx context.Context, idb bun.IDB, userID uuid.UUID, key string) error {
	_, err := idb.NewDelete().Model((*IdempotencyRecord)(nil)).Where("user_id = ? AND key = ?", userID, key).Exec(ctx)
	return formatError(err, "Idempotency key")
}

// PurgeIdempotencyKeys deletes expired keys.
func PurgeIdempotencyKeys(ctx context.Context, idb bun.IDB) error {
	_, err := idb.NewDelete().Model((*IdempotencyRecord)(nil)).Where("expires_at < now()").Exec(ctx)
	return formatError(err, "Idempotency key")
}
