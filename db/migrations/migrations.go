// Package migrations embeds the versioned SQL migrations of the database.
package migrations

import "embed"

// FS holds <version>_<name>.up.sql / .down.sql files, applied in version order.
//
//go:embed *.sql
var FS embed.FS
