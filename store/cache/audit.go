package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/store"
)

// Every invalidation and namespace clear is appended to one Redis Stream,
// capped at about AuditMaxLen entries (XADD MAXLEN ~), in the same pipeline
// as the invalidation itself, one entry per namespace touched.

// AuditAction is what an audit entry records.
type AuditAction string

// The audited actions.
const (
	// AuditInvalidate: entries dropped and groups renewed after a change.
	AuditInvalidate AuditAction = "invalidate"
	// AuditClear: a namespace cleared (generation bumped) on request.
	AuditClear AuditAction = "clear"
	// AuditRenew: a namespace renewed by the cache itself after Redis was
	// unreachable or restarted.
	AuditRenew AuditAction = "renew"
)

// AuditEntry is one audited invalidation in one namespace.
type AuditEntry struct {
	// ID is the entry's stream ID; entries sort by it.
	ID string `json:"id" example:"1717243200000-0"`
	// At is when the invalidation ran, UTC.
	At time.Time `json:"at" example:"2025-06-01T12:00:00Z"`
	// Who caused it, as "role:id" (or "system").
	Who string `json:"who" example:"admin"`
	// Action is what was done.
	Action AuditAction `json:"action" example:"invalidate"`
	// Reason says why: the domain event or the request.
	Reason string `json:"reason" example:"event restaurant.updated"`
	// Entity is the kind of record whose change caused it, if any.
	Entity string `json:"entity,omitempty" example:"restaurant"`
	// EntityID is that record's ID.
	EntityID int64 `json:"entity_id,omitempty" example:"12"`
	// Namespace the entry is about.
	Namespace Namespace `json:"namespace" example:"restaurants"`
	// Generation is the namespace's generation after the action.
	Generation int64 `json:"generation" example:"3"`
	// Keys dropped in the namespace, without generations.
	Keys []string `json:"keys" example:"restaurant:12"`
	// Groups renewed in the namespace (every entry of a group at once).
	Groups []string `json:"groups" example:"lists"`
}

// AuditQuery selects audit entries.
type AuditQuery struct {
	// Namespace keeps only entries about it; empty means all.
	Namespace Namespace
	// Cursor is the NextCursor of the previous page; empty starts at the newest.
	Cursor string
	// Limit is the page size, 1..100; 0 means 20.
	Limit int
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	// Entries on this page, newest first.
	Entries []AuditEntry `json:"entries"`
	// NextCursor continues with older entries; empty on the last page.
	NextCursor string `json:"next_cursor,omitempty" example:"1717243100000-3"`
}

// auditRecord is an entry before it is written.
type auditRecord struct {
	action     AuditAction
	reason     string
	entity     string
	entityID   int64
	ns         Namespace
	generation int64
	keys       []string
	groups     []string
}

// appendAudit queues the XADD of rec in p.
func (c *Cache) appendAudit(ctx context.Context, p redis.Pipeliner, rec auditRecord) {
	keys, _ := json.Marshal(nonNil(rec.keys))
	groups, _ := json.Marshal(nonNil(rec.groups))
	p.XAdd(ctx, &redis.XAddArgs{
		Stream: c.keys.internal("audit"),
		MaxLen: c.cfg.AuditMaxLen,
		Approx: true,
		Values: []any{
			"at", time.Now().UTC().Format(time.RFC3339Nano),
			"who", store.PrincipalFrom(ctx).String(),
			"action", string(rec.action),
			"reason", rec.reason,
			"entity", rec.entity,
			"entity_id", rec.entityID,
			"ns", string(rec.ns),
			"gen", rec.generation,
			"keys", string(keys),
			"groups", string(groups),
		},
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// auditScanLimit bounds how many entries one Audit call reads while
// filtering by namespace; the cursor continues from where it stopped.
const auditScanLimit = 2000

// Audit returns a page of the invalidation audit log, newest first,
// optionally about one namespace. A bad cursor or limit is EINVALID.
func (c *Cache) Audit(ctx context.Context, q AuditQuery) (AuditPage, error) {
	limit, err := store.PageRequest{Limit: q.Limit}.EffectiveLimit()
	if err != nil {
		return AuditPage{}, err
	}
	if q.Namespace != "" {
		if _, err := ParseNamespace(string(q.Namespace)); err != nil {
			return AuditPage{}, err
		}
	}
	end := "+"
	if q.Cursor != "" {
		if !validStreamID(q.Cursor) {
			return AuditPage{}, store.Invalid(store.FieldError{Field: "cursor", Reason: "is not a cursor returned by this list"})
		}
		end = "(" + q.Cursor
	}
	page := AuditPage{Entries: []AuditEntry{}}
	batch := int64(max(limit*2, 50))
	for scanned := 0; scanned < auditScanLimit; {
		var msgs []redis.XMessage
		err := c.call(ctx, "", "audit", func(ctx context.Context) error {
			var err error
			msgs, err = c.rdb.XRevRangeN(ctx, c.keys.internal("audit"), end, "-", batch).Result()
			return err
		})
		if err != nil {
			return AuditPage{}, fmt.Errorf("read cache audit log: %w", err)
		}
		for _, m := range msgs {
			scanned++
			end = "(" + m.ID
			e := parseAudit(m)
			if q.Namespace != "" && e.Namespace != q.Namespace {
				continue
			}
			page.Entries = append(page.Entries, e)
			if len(page.Entries) == limit {
				page.NextCursor = m.ID
				return page, nil
			}
		}
		if int64(len(msgs)) < batch {
			return page, nil
		}
	}
	page.NextCursor = strings.TrimPrefix(end, "(")
	return page, nil
}

func validStreamID(s string) bool {
	ms, seq, ok := strings.Cut(s, "-")
	if !ok {
		return false
	}
	_, err1 := strconv.ParseUint(ms, 10, 64)
	_, err2 := strconv.ParseUint(seq, 10, 64)
	return err1 == nil && err2 == nil
}

func parseAudit(m redis.XMessage) AuditEntry {
	str := func(k string) string { s, _ := m.Values[k].(string); return s }
	num := func(k string) int64 { n, _ := strconv.ParseInt(str(k), 10, 64); return n }
	e := AuditEntry{ID: m.ID, Who: str("who"), Action: AuditAction(str("action")), Reason: str("reason"),
		Entity: str("entity"), EntityID: num("entity_id"), Namespace: Namespace(str("ns")), Generation: num("gen"),
		Keys: []string{}, Groups: []string{}}
	e.At, _ = time.Parse(time.RFC3339Nano, str("at"))
	_ = json.Unmarshal([]byte(str("keys")), &e.Keys)
	_ = json.Unmarshal([]byte(str("groups")), &e.Groups)
	return e
}
