package realtime

import (
	"strings"
	"testing"
)

func TestValidTopic_AcceptsKindColonID(t *testing.T) {
	tests := []struct {
		topic string
		valid bool
	}{
		{"order:42", true},
		{"restaurant:7", true},
		{"cache:console", true},
		{"courier_shift:2026-01-01.A", true},
		{"order", false},
		{"order:", false},
		{":42", false},
		{"Order:42", false},
		{"order:4 2", false},
		{"order:4:2", false},
		{`order:"42"`, false},
		{"order:" + strings.Repeat("9", maxTopicLen), false},
	}
	for _, tt := range tests {
		if got := validTopic(tt.topic); got != tt.valid {
			t.Errorf("validTopic(%q) = %v, want %v", tt.topic, got, tt.valid)
		}
	}
}
