package seed

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
)

// teamSize is the number of telecallers the large data set adds to the demo
// users, a calling floor big enough for per-agent analytics to mean something.
const teamSize = 50

// teamUser returns generated telecaller k (1-based). Its id, name and email
// are fixed, whatever the seed, so that several large loads share one team:
// ids run 00000000-0000-4000-8000-000000010001, …0002 and so on (version 4
// shaped, like the demo users').
func teamUser(k int) db.User {
	var id uuid.UUID
	id[6], id[8] = 0x40, 0x80
	id[13], id[14], id[15] = 0x01, byte(k>>8), byte(k)
	// Strides coprime with the list lengths keep the names distinct.
	first := firstNames[(k*7)%len(firstNames)]
	last := lastNames[(k*13)%len(lastNames)]
	return db.User{
		ID:       id,
		Email:    fmt.Sprintf("caller%02d@team.telecaller-crm.dev", k),
		FullName: first + " " + last,
		Role:     db.RoleTelecaller,
	}
}

// largeUsers returns the users of the large data set: the demo users, then
// the generated team.
func largeUsers() []db.User {
	users := demoUserRows()
	for k := 1; k <= teamSize; k++ {
		users = append(users, teamUser(k))
	}
	return users
}
