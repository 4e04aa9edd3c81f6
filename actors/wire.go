package actors

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dabba/dabba/actors/actorspb"
	"github.com/dabba/dabba/store"
)

// The conversions between the domain and the protobuf messages grains
// exchange. Records travel as JSON inside a Reply (see common.proto), so
// store's types stay the one schema of each record.

func toPrincipal(p store.Principal) *actorspb.Principal {
	return &actorspb.Principal{Role: string(p.Role), Id: p.ID}
}

func fromPrincipal(p *actorspb.Principal) store.Principal {
	if p == nil {
		return store.Principal{}
	}
	return store.Principal{Role: store.Role(p.Role), ID: p.Id}
}

func unixMicros(t time.Time) int64 { return t.UnixMicro() }

func fromUnixMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// errInternal is what a caller learns of a failure that is not a domain
// error; the grain logs the failure itself.
func errInternal(what string) *store.Error {
	return store.Errorf(store.EINTERNAL, "", "%s failed; the details are in the server log", what)
}

// reply encodes a grain's answer: the record v, or err.
func reply(v any, err error) *actorspb.Reply {
	if err != nil {
		return &actorspb.Reply{Error: toError(err)}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return &actorspb.Reply{Error: toError(fmt.Errorf("encode reply: %w", err))}
	}
	return &actorspb.Reply{Record: b}
}

// toError carries a store.Error across nodes. Any other error becomes an
// internal one whose text stays on the node that failed.
func toError(err error) *actorspb.Error {
	var se *store.Error
	if !errors.As(err, &se) {
		se = errInternal("the tracking engine")
	}
	pe := &actorspb.Error{Kind: string(se.Kind), Code: se.Code, Message: se.Message}
	for _, f := range se.Fields {
		pe.Fields = append(pe.Fields, &actorspb.FieldError{Field: f.Field, Reason: f.Reason})
	}
	return pe
}

// fromError turns a carried error back into a *store.Error.
func fromError(pe *actorspb.Error) error {
	if pe == nil {
		return nil
	}
	se := &store.Error{Kind: store.ErrorKind(pe.Kind), Code: pe.Code, Message: pe.Message}
	for _, f := range pe.Fields {
		se.Fields = append(se.Fields, store.FieldError{Field: f.Field, Reason: f.Reason})
	}
	return se
}

// decodeReply decodes a reply's record into v.
func decodeReply(r *actorspb.Reply, v any) error {
	if err := json.Unmarshal(r.GetRecord(), v); err != nil {
		return fmt.Errorf("decode grain reply: %w", err)
	}
	return nil
}
