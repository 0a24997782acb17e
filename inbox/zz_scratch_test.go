package inbox_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"convene/inbox"
)

func TestZZScratch(t *testing.T) {
	f := os.Getenv("SCRATCH")
	if f == "" {
		t.Skip()
	}
	for _, name := range strings.Split(f, ",") {
		data, _ := os.ReadFile(name)
		m, err := inbox.Parse(strings.NewReader(string(data)), "registrations@isu.example", inbox.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		m.Calendar = nil
		b, _ := json.MarshalIndent(m, "", " ")
		t.Logf("%s\n%s", name, b)
	}
}
