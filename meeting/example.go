package meeting

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
)

// The example meeting written by `convene init`: the 2020 Intersessional
// Meetings with twenty fictional missions and organisations.
var (
	//go:embed example/meeting.yaml
	ExampleMeetingYAML []byte
	//go:embed example/contacts.csv
	ExampleContactsCSV []byte
)

// WriteExample writes meeting.yaml and contacts.csv into dir, creating it.
// It refuses to overwrite existing files.
func WriteExample(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{{"meeting.yaml", ExampleMeetingYAML}, {"contacts.csv", ExampleContactsCSV}}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f.name)); err == nil {
			return fmt.Errorf("%s already exists: not overwriting it", filepath.Join(dir, f.name))
		}
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
