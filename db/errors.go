package db

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/telecaller-crm/api/apperr"
)

// constraintFields names the input field behind each constraint a caller can trip.
var constraintFields = map[string]string{
	"leads_phone_e164_live_key": "phone",
	"leads_email_live_key":      "email",
	"leads_assigned_to_fkey":    "assignedToId",
	"leads_contact_required":    "phone",
}

// formatError turns driver errors into application errors: no rows → NOT_FOUND,
// unique violation → CONFLICT, check/foreign-key violation → VALIDATION_ERROR,
// an unreachable database → SERVICE_UNAVAILABLE. Anything else is wrapped as is.
func formatError(err error, what string) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.NotFound, "%s not found.", what)
	}
	if errors.Is(err, context.Canceled) {
		// The caller hung up (or the server is shutting down): not a fault.
		return apperr.Wrap(err, apperr.ServiceUnavailable, "The request was cancelled.")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		field := constraintFields[pgErr.ConstraintName]
		switch {
		case pgErr.Code == "23505":
			e := apperr.Wrap(err, apperr.Conflict, "A "+strings.ToLower(what)+" with this "+field+" already exists.")
			e.Field, e.FieldMessage = field, "already in use"
			return e
		case pgErr.Code == "23503":
			e := apperr.Wrap(err, apperr.Validation, "A referenced record does not exist.")
			e.Field, e.FieldMessage = field, "does not exist"
			return e
		// 22008: a date out of Postgres' range (year 0); 22003: a number out
		// of its column's range; 22021, 22P05: bytes or escapes (\u0000 in
		// jsonb) that text and jsonb cannot hold.
		case pgErr.Code == "23514" || pgErr.Code == "22001" || pgErr.Code == "22P02" ||
			pgErr.Code == "22008" || pgErr.Code == "22003" || pgErr.Code == "22021" || pgErr.Code == "22P05":
			e := apperr.Wrap(err, apperr.Validation, "The "+strings.ToLower(what)+" is not valid.")
			e.Field, e.FieldMessage = field, "is not valid"
			return e
		case pgErr.Code == "57014": // statement_timeout or cancel
			return apperr.Wrap(err, apperr.ServiceUnavailable, "The database took too long to answer; try again.")
		case strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P") || pgErr.Code == "53300":
			return apperr.Wrap(err, apperr.ServiceUnavailable, "The database is unavailable; try again shortly.")
		}
		return err
	}
	if isConnError(err) {
		return apperr.Wrap(err, apperr.ServiceUnavailable, "The database is unavailable; try again shortly.")
	}
	return err
}

func isConnError(err error) bool {
	var netErr net.Error
	var connErr *pgconn.ConnectError
	return errors.As(err, &netErr) || errors.As(err, &connErr) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, context.DeadlineExceeded)
}
