package main

import (
	"context"
	"fmt"

	"convene/meeting"
	"convene/web"
)

// staffLogins reads the passwords of dashboard.staff from their secrets,
// for web.Options.Staff (which keeps only a keyed hash of each). An unset
// variable or unreadable file stops the start, naming the person.
func staffLogins(ctx context.Context, o meeting.DashboardOptions) ([]web.StaffLogin, error) {
	var out []web.StaffLogin
	for _, st := range o.Staff {
		pw, err := st.Password.Resolve(ctx)
		if err != nil {
			return nil, fmt.Errorf("dashboard.staff %s: %w", st.Name, err)
		}
		out = append(out, web.StaffLogin{Name: st.Name, Password: pw})
	}
	return out, nil
}
