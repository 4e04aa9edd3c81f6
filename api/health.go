package api

import (
	"context"
	"net/http"
	"time"

	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"

	"github.com/dabba/dabba/store"
)

// Liveness is the answer of /healthz: the process is up.
type Liveness struct {
	// Status is "ok", or "restart_needed" when the process is in a state
	// only a restart mends (see Reason).
	Status string `json:"status" example:"ok"`
	// Reason says why a restart is needed.
	Reason string `json:"reason,omitempty" example:"tracking_cluster: this node dropped out of the tracking cluster"`
	// Version of the running binary.
	Version string `json:"version" example:"v0.1.0"`
	// UptimeSeconds since the server started.
	UptimeSeconds int64 `json:"uptime_seconds" example:"3600"`
}

// Readiness is the answer of /readyz: whether each dependency answers.
type Readiness struct {
	// Status is "ready" when every check passed, "degraded" when only
	// optional ones failed (the node serves, slower), else "not_ready".
	Status string `json:"status" example:"ready"`
	// Checks lists each dependency's result.
	Checks []CheckResult `json:"checks"`
}

// CheckResult is one dependency's readiness.
type CheckResult struct {
	// Name of the dependency.
	Name string `json:"name" example:"postgres"`
	// Optional is true for a dependency the node can serve without (Redis:
	// reads then go to PostgreSQL).
	Optional bool `json:"optional" example:"false"`
	// OK is true when it answered in time.
	OK bool `json:"ok" example:"true"`
	// Error says why it did not.
	Error string `json:"error,omitempty" example:"dial tcp 127.0.0.1:5432: connect: connection refused"`
	// LatencyMS is how long the probe took, in milliseconds.
	LatencyMS float64 `json:"latency_ms" example:"0.4"`
}

func (s *Server) publicRoutes(f *fuego.Server) {
	tag := option.Tags("operations")
	fuego.Get(f, "/healthz", s.healthz, tag, option.OperationID("healthz"),
		option.Summary("Liveness"), option.Description("Public. 200 while the process runs; 503 `restart_needed` when it is in a "+
			"state only a restart mends (a tracking node that dropped out of its cluster), so a liveness probe restarts it."),
		option.AddResponse(http.StatusServiceUnavailable, "The process needs a restart", fuego.Response{Type: Liveness{}, ContentTypes: []string{"application/json"}}))
	fuego.Get(f, "/readyz", s.readyz, tag, option.OperationID("readyz"),
		option.Summary("Readiness"), option.Description("Public. 200 when PostgreSQL answers (status degraded when Redis does not: the node serves from PostgreSQL), 503 otherwise."),
		option.AddResponse(http.StatusServiceUnavailable, "A dependency is down", fuego.Response{Type: Readiness{}, ContentTypes: []string{"application/json"}}))
	fuego.Get(f, "/problems", s.problems, tag, option.OperationID("listProblems"),
		option.Summary("Problem types"), option.Description("Public. Every problem `type` dabba answers with, and what it means."))
	fuego.Get(f, "/problems/{code}", s.problem, tag, option.OperationID("getProblem"),
		option.Summary("One problem type"), option.Path("code", "The problem code, e.g. validation."),
		problemResponses(http.StatusNotFound))
}

func (s *Server) healthz(c fuego.ContextNoBody) (Liveness, error) {
	out := Liveness{Status: "ok", Version: s.cfg.Version, UptimeSeconds: int64(time.Since(s.started).Seconds())}
	for _, chk := range s.deps.Vital {
		if err := chk.Probe(c.Context()); err != nil {
			out.Status, out.Reason = "restart_needed", chk.Name+": "+err.Error()
			c.Response().Header().Set("Content-Type", "application/json")
			c.SetStatus(http.StatusServiceUnavailable)
			break
		}
	}
	return out, nil
}

func (s *Server) readyz(c fuego.ContextNoBody) (Readiness, error) {
	ctx, cancel := context.WithTimeout(c.Context(), 2*time.Second)
	defer cancel()
	out := Readiness{Status: "ready", Checks: make([]CheckResult, len(s.deps.Checks))}
	done := make(chan struct{}, len(s.deps.Checks))
	for i, chk := range s.deps.Checks {
		go func() {
			start := time.Now()
			err := chk.Probe(ctx)
			res := CheckResult{Name: chk.Name, Optional: chk.Optional, OK: err == nil, LatencyMS: float64(time.Since(start).Microseconds()) / 1000}
			if err != nil {
				res.Error = err.Error()
			}
			out.Checks[i] = res
			done <- struct{}{}
		}()
	}
	for range s.deps.Checks {
		<-done
	}
	for _, r := range out.Checks {
		switch {
		case !r.OK && !r.Optional:
			out.Status = "not_ready"
		case !r.OK && out.Status == "ready":
			out.Status = "degraded"
		}
	}
	if out.Status == "not_ready" {
		c.Response().Header().Set("Content-Type", "application/json")
		c.SetStatus(http.StatusServiceUnavailable)
	}
	return out, nil
}

func (s *Server) problems(fuego.ContextNoBody) (ProblemCatalogue, error) {
	return problemCatalogue(), nil
}

func (s *Server) problem(c fuego.ContextNoBody) (ProblemDescription, error) {
	code := c.PathParam("code")
	for _, p := range problemCatalogue().Problems {
		if p.Code == code {
			return p, nil
		}
	}
	return ProblemDescription{}, store.Errorf(store.ENOTFOUND, "problem_not_found", "there is no problem type %q", code)
}
