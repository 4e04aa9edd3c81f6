package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"github.com/go-fuego/fuego"

	"github.com/dabba/dabba/store"
)

// Problem is an RFC 9457 problem details object: every error dabba answers
// is one, served as application/problem+json.
type Problem struct {
	// Type identifies the kind of problem; stable, so clients may switch on
	// it. It resolves to a page describing the problem (GET /problems/{code}).
	Type string `json:"type" example:"/problems/validation"`
	// Title is a short summary of the problem type.
	Title string `json:"title" example:"Invalid request"`
	// Status is the HTTP status code.
	Status int `json:"status" example:"400"`
	// Detail explains this occurrence, precisely.
	Detail string `json:"detail" example:"items[0].quantity must be between 1 and 50"`
	// Instance is the path of the request that failed.
	Instance string `json:"instance,omitempty" example:"/orders"`
	// Code is the stable machine-readable reason (the last segment of Type).
	Code string `json:"code" example:"validation"`
	// RequestID correlates the problem with the server's logs.
	RequestID string `json:"request_id,omitempty" example:"01J9Z3V7Q2M5X8K4"`
	// Errors lists each invalid field of a validation problem.
	Errors []store.FieldError `json:"errors,omitempty"`
}

// Error implements error so handlers may return a *Problem directly.
func (p *Problem) Error() string { return p.Code + ": " + p.Detail }

// StatusCode implements fuego.ErrorWithStatus.
func (p *Problem) StatusCode() int { return p.Status }

// problemType describes one code of the problem registry.
type problemType struct {
	Status int
	Title  string
	// About is what the problem means and what the client should do.
	About string
}

// problemTypes is the registry of every problem code dabba answers with:
// the one place mapping a code to a status and a title. Domain codes not
// listed fall back to their kind's entry.
func problemTypes() map[string]problemType {
	return map[string]problemType{
		// Kinds — the fallbacks.
		string(store.EINVALID):       {http.StatusBadRequest, "Invalid request", "The request breaks a rule; `errors` names each field."},
		string(store.ENOTFOUND):      {http.StatusNotFound, "Not found", "The resource does not exist, or you may not see it."},
		string(store.ECONFLICT):      {http.StatusConflict, "Conflict", "The request collides with the resource's current state."},
		string(store.EUNPROCESSABLE): {http.StatusUnprocessableEntity, "Unprocessable request", "The request is well formed but cannot be carried out as asked."},
		string(store.EUNAUTHORIZED):  {http.StatusUnauthorized, "Unauthorized", "Send a valid bearer token: `Authorization: Bearer <jwt>`."},
		string(store.EFORBIDDEN):     {http.StatusForbidden, "Forbidden", "Your token's role or subject may not do this."},
		string(store.EUNAVAILABLE):   {http.StatusServiceUnavailable, "Service unavailable", "A dependency is down; retry later."},
		string(store.EINTERNAL):      {http.StatusInternalServerError, "Internal error", "A bug on our side; the request ID is in the logs."},
		// Request-level problems.
		"validation":             {http.StatusBadRequest, "Invalid request", "A field is missing, malformed or out of range; `errors` names each one."},
		"bad_json":               {http.StatusBadRequest, "Malformed JSON", "The body is not valid JSON for this operation."},
		"unknown_field":          {http.StatusBadRequest, "Unknown field", "The body has a field this operation does not take; check the spelling."},
		"bad_parameter":          {http.StatusBadRequest, "Invalid parameter", "A path or query parameter is malformed."},
		"body_too_large":         {http.StatusRequestEntityTooLarge, "Body too large", "The request body exceeds the size limit."},
		"unsupported_media_type": {http.StatusUnsupportedMediaType, "Unsupported media type", "Send bodies as `Content-Type: application/json`."},
		"route_not_found":        {http.StatusNotFound, "No such route", "No operation lives at this path; see /openapi.json."},
		"method_not_allowed":     {http.StatusMethodNotAllowed, "Method not allowed", "The path exists but not with this method; see the Allow header."},
		"token_invalid":          {http.StatusUnauthorized, "Invalid token", "The bearer token is missing, malformed, expired or not signed by this server."},
		"websocket_required":     {http.StatusUpgradeRequired, "Websocket required", "Open this path with a websocket client (subprotocol dabba.v1)."},
		"realtime_unavailable":   {http.StatusServiceUnavailable, "Realtime unavailable", "This server runs without the realtime hub."},
		// Domain problems with their own status.
		"idempotency_key_reused": {http.StatusUnprocessableEntity, "Idempotency key reused", "The Idempotency-Key was used before with a different request body."},
		"illegal_transition":     {http.StatusConflict, "Illegal status change", "The order cannot move to that status from its current one."},
		"transition_not_allowed": {http.StatusForbidden, "Status change not allowed", "Your role may not make this move; see the transition table of POST /orders/{id}/status."},
		"restaurant_closed":      {http.StatusConflict, "Restaurant closed", "The restaurant is outside its opening hours."},
		"restaurant_paused":      {http.StatusConflict, "Restaurant paused", "The restaurant paused new orders; its availability says until when."},
		"restaurant_at_capacity": {http.StatusConflict, "Restaurant at capacity", "The kitchen has as many active orders as it takes; try again shortly."},
		"slot_full":              {http.StatusConflict, "Delivery slot full", "The delivery slot has no room left; pick another from GET /restaurants/{id}/delivery-slots."},
		"slot_invalid":           {http.StatusConflict, "Not a delivery slot", "scheduled_for must be the start of an offered slot (GET /restaurants/{id}/delivery-slots)."},
		"order_not_in_delivery":  {http.StatusConflict, "Order not in delivery", "Locations are reported only while the order is on its way."},
		"courier_unavailable":    {http.StatusConflict, "Courier unavailable", "The courier is offline or busy with another order."},
		"order_past_pickup":      {http.StatusConflict, "Order past pickup", "The courier cannot change once the food is picked up."},
		"not_assigned_courier":   {http.StatusForbidden, "Not the assigned courier", "Only the order's assigned courier may report its location."},
		"client_closed_request":  {statusClientClosedRequest, "Client closed request", "The client went away before the answer was ready (nginx's 499); nobody reads this answer, it is recorded in logs and metrics only."},
		"engine_unavailable":     {http.StatusServiceUnavailable, "Tracking engine unavailable", "The order and kitchen actors are not running on this node; retry."},
		"unknown_namespace":      {http.StatusNotFound, "Unknown cache namespace", "The namespace is not one of the spec's key tree: static, dynamic, realtime, analytics, sessions, customers, restaurants, orders, deliveries, reviews, notifications."},
		"cache_access_denied":    {http.StatusForbidden, "Cache access denied", "Only admins, and principals the cache's access policy grants, may use this cache operation; GET /enterprise/security/validate/{namespace} says what you may do."},
		"cache_unavailable":      {http.StatusServiceUnavailable, "Cache unavailable", "Redis is unreachable or recovering (reads are served from PostgreSQL meanwhile), or this server runs without the cache; retry later."},
		"no_warmer":              {http.StatusUnprocessableEntity, "Namespace has no warmer", "The namespace has no warmer; POST /cache/warm/{namespace} lists those that have one."},
	}
}

// problemFor turns any error into the Problem to answer with. Domain errors
// keep their code; anything unrecognised is an internal error whose detail
// is not shown to the client.
func problemFor(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var se *store.Error
	if errors.As(err, &se) {
		return newProblem(se.Kind, se.Code, se.Message, se.Fields...)
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return newProblem("", "body_too_large", "the request body exceeds the limit of "+humanBytes(tooLarge.Limit))
	}
	var fe fuego.HTTPError
	if errors.As(err, &fe) {
		// fuego's typed errors (BadRequestError, …) carry their status in
		// their type, not in the HTTPError they unwrap to.
		var ws fuego.ErrorWithStatus
		if errors.As(err, &ws) {
			fe.Status = ws.StatusCode()
		}
		return fuegoProblem(fe)
	}
	return newProblem(store.EINTERNAL, "", "an unexpected error occurred")
}

// newProblem builds a Problem from a kind and code: the code's registry entry
// when it has one, else the kind's.
func newProblem(kind store.ErrorKind, code, detail string, fields ...store.FieldError) *Problem {
	types := problemTypes()
	t, ok := types[code]
	if !ok {
		t = types[string(kind)]
		if code == "" {
			code = string(kind)
		}
	}
	if t.Status == 0 {
		t = types[string(store.EINTERNAL)]
	}
	return &Problem{Type: "/problems/" + code, Title: t.Title, Status: t.Status, Detail: detail, Code: code, Errors: fields}
}

// fuegoProblem translates the errors fuego raises while decoding and
// validating a request into dabba's problems.
func fuegoProblem(fe fuego.HTTPError) *Problem {
	status := fe.StatusCode()
	msg := fe.Err
	switch {
	case len(fe.Errors) > 0: // validator tags
		fields := make([]store.FieldError, 0, len(fe.Errors))
		for _, e := range fe.Errors {
			fields = append(fields, store.FieldError{Field: jsonPath(e), Reason: validationReason(e)})
		}
		return newProblem(store.EINVALID, "validation", fields[0].Field+" "+fields[0].Reason, fields...)
	case msg != nil && strings.Contains(msg.Error(), "json: unknown field "):
		_, field, _ := strings.Cut(msg.Error(), "json: unknown field ")
		field = strings.Trim(field, `"`)
		return newProblem("", "unknown_field", "the body has an unknown field "+strconvQuote(field), store.FieldError{Field: field, Reason: "is not a field of this operation's body"})
	case status == http.StatusBadRequest && msg != nil:
		return newProblem("", "bad_json", jsonProblemDetail(msg))
	case status >= 400 && status < 500:
		return &Problem{Type: "/problems/" + strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_")), Title: http.StatusText(status), Status: status, Detail: fe.Detail, Code: strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_"))}
	}
	return newProblem(store.EINTERNAL, "", "an unexpected error occurred")
}

// jsonProblemDetail says precisely what is wrong with a body that failed to
// decode, without echoing Go type names.
func jsonProblemDetail(err error) string {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return "the body is not valid JSON: " + syntax.Error()
	case errors.As(err, &typeErr):
		return "field " + strconvQuote(typeErr.Field) + " must be " + jsonKind(typeErr.Type.Kind().String()) + ", not " + typeErr.Value
	case strings.Contains(err.Error(), "unexpected EOF"):
		return "the body ends before the JSON value does"
	}
	return "the body could not be decoded as JSON"
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "float32", "float64":
		return "a number"
	}
	return "an integer"
}

// jsonPath turns a validator namespace such as "OrderRequest.Items[0].Quantity"
// into the JSON path the client wrote, e.g. "items[0].quantity".
func jsonPath(e fuego.ErrorItem) string {
	ns, _ := e.More["nsField"].(string)
	if ns == "" {
		ns = e.Name
	}
	parts := strings.Split(ns, ".")
	if len(parts) > 1 {
		parts = parts[1:] // drop the struct's type name
	}
	for i, p := range parts {
		parts[i] = snake(p)
	}
	return strings.Join(parts, ".")
}

// snake converts a Go field name (with an optional [index]) to snake_case,
// which is how every JSON field of dabba is spelled.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 && s[i-1] != '[' && !(s[i-1] >= 'A' && s[i-1] <= 'Z') {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func validationReason(e fuego.ErrorItem) string {
	tag, _ := e.More["tag"].(string)
	param, _ := e.More["param"].(string)
	switch tag {
	case "required":
		return "is required"
	case "email":
		return "must be an email address"
	case "e164":
		return "must be an E.164 phone number such as +919812345678"
	case "min":
		return "must have at least " + param + " (characters or items)"
	case "max":
		return "must have at most " + param + " (characters or items)"
	case "gte":
		return "must be at least " + param
	case "lte":
		return "must be at most " + param
	case "gt":
		return "must be greater than " + param
	case "oneof":
		return "must be one of " + strings.ReplaceAll(param, " ", ", ")
	}
	return "fails the " + tag + " rule"
}

func strconvQuote(s string) string { return `"` + s + `"` }

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " bytes"
}

// statusClientClosedRequest is nginx's status for a request whose client
// went away before it was answered; it has no standard code.
const statusClientClosedRequest = 499

// retryUnavailable is the Retry-After, in seconds, of every 503: how long
// a client should wait before it tries again a dependency that is away.
const retryUnavailable = "2"

// settled is the problem a request really ended with. A server error met
// after the client went away is most likely the cancellation reaching
// PostgreSQL, Redis or a grain: the client's doing, not a fault to alarm on.
func settled(r *http.Request, p *Problem) *Problem {
	if p.Status >= 500 && r.Context().Err() != nil {
		return newProblem("", "client_closed_request", "the client closed the request before it was answered")
	}
	return p
}

// writeProblem answers with p as application/problem+json.
func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	p = settled(r, p)
	if p.Instance == "" {
		p.Instance = r.URL.Path
	}
	p.RequestID = requestIDFrom(r.Context())
	if p.Status >= 500 {
		slog.ErrorContext(r.Context(), "request failed", "status", p.Status, "code", p.Code, "detail", p.Detail)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", cacheNoStore)
	if p.Status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", retryUnavailable)
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// serializeError is fuego's error serializer: every error a handler or
// fuego itself returns leaves as a problem.
func serializeError(w http.ResponseWriter, r *http.Request, err error) {
	p := settled(r, problemFor(err))
	if p.Status >= 500 {
		slog.ErrorContext(r.Context(), "handler error", "error", err)
	}
	writeProblem(w, r, p)
}

// passThroughErrors replaces fuego's error handler, which would flatten our
// errors into its own type before serializeError sees them.
func passThroughErrors(_ context.Context, err error) error { return err }

// ProblemCatalogue is the list of problem types dabba answers with.
type ProblemCatalogue struct {
	// Problems, sorted by code.
	Problems []ProblemDescription `json:"problems"`
}

// ProblemDescription documents one problem type.
type ProblemDescription struct {
	// Type is the problem's type URI.
	Type string `json:"type" example:"/problems/validation"`
	// Code is the last segment of Type.
	Code string `json:"code" example:"validation"`
	// Status is the HTTP status it comes with.
	Status int `json:"status" example:"400"`
	// Title is its short summary.
	Title string `json:"title" example:"Invalid request"`
	// About says what it means and what to do.
	About string `json:"about" example:"A field is missing, malformed or out of range."`
}

func problemCatalogue() ProblemCatalogue {
	var out ProblemCatalogue
	for code, t := range problemTypes() {
		out.Problems = append(out.Problems, ProblemDescription{Type: "/problems/" + code, Code: code, Status: t.Status, Title: t.Title, About: t.About})
	}
	sort.Slice(out.Problems, func(i, j int) bool { return out.Problems[i].Code < out.Problems[j].Code })
	return out
}
