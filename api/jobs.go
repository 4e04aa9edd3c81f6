package api

import (
	"context"
	"net/http"
	"time"

	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"

	"github.com/dabba/dabba/jobs"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

// Jobs is the background work queue as the API uses it: warms enqueued on
// demand, and what admins read about the jobs. *jobs.Client implements it.
// Its errors are store errors: ENOTFOUND for an unknown namespace or job,
// EUNAVAILABLE when the queues cannot be reached.
type Jobs interface {
	// EnqueueWarm asks for a namespace's warmer to run.
	EnqueueWarm(ctx context.Context, ns cache.Namespace) (*jobs.Job, error)
	// EnqueuePredictiveWarm asks for a predictive warm.
	EnqueuePredictiveWarm(ctx context.Context) (*jobs.Job, error)
	// Job returns one job, with its result once completed.
	Job(ctx context.Context, id string) (*jobs.Job, error)
	// DeadLetters lists the jobs that failed for good, latest first.
	DeadLetters(ctx context.Context, page store.PageRequest) (store.Page[jobs.Job], error)
	// Summary reports the queues, their workers and the schedule.
	Summary(ctx context.Context) jobs.Summary
}

var _ Jobs = (*jobs.Client)(nil)

// JobList is a page of background jobs.
type JobList store.Page[jobs.Job]

// errNoJobs answers the job endpoints of a server built without the queues.
var errNoJobs = store.Errorf(store.EUNAVAILABLE, "jobs_unavailable", "this server runs without background jobs")

// JobsConsolePath is where the job queues' web console (asynqmon) is
// served; the console must be built to live under it.
const JobsConsolePath = "/admin/jobs"

func (s *Server) jobRoutes(g *fuego.Server) {
	tag := option.Tags("jobs")
	admins := " Admin only."
	fuego.Get(g, "/jobs", s.getJobsSummary, tag, option.OperationID("getJobsSummary"),
		option.Summary("Background work at a glance"),
		option.Description("The background queues — tasks pending, running, scheduled, waiting to retry, failed for good (the "+
			"dead letters) and completed; how long the oldest has waited; today's runs and failures — the workers serving them "+
			"and the periodic schedule (rollups, warming, reclamation, compaction). `status` is `degraded` with reasons when "+
			"tasks failed for good, wait too long, or no worker or scheduler runs. The web console is at "+JobsConsolePath+"."+admins),
		problemResponses(http.StatusForbidden, http.StatusServiceUnavailable))
	fuego.Get(g, "/jobs/dead-letters", s.listDeadLetters, tag, option.OperationID("listDeadLetters"),
		option.Summary("Jobs that failed for good"),
		option.Description("The dead-letter view: tasks that failed after every retry (exponential backoff), or at once when no "+
			"retry could help, latest failure first, each with its last error."+admins),
		pageOptions(), problemResponses(http.StatusForbidden, http.StatusServiceUnavailable))
	fuego.Get(g, "/jobs/{id}", s.getJob, tag, option.OperationID("getJob"),
		option.Summary("A background job"),
		option.Description("One job — such as a warm enqueued by `POST /cache/warm/{namespace}` — with its state and, once "+
			"completed, its result (for a warm: the keys warmed and the time taken). Results stay readable for a day."+admins),
		option.Path("id", "Job ID, as the enqueueing answer gave it."),
		problemResponses(http.StatusForbidden, http.StatusNotFound, http.StatusServiceUnavailable))
}

// jobs returns the queues once the caller is known to be an admin.
func (s *Server) jobs(c requestContext) (Jobs, error) {
	p, err := caller(c.Context())
	if err != nil {
		return nil, err
	}
	if err := requireAdmin(p); err != nil {
		return nil, err
	}
	if s.deps.Jobs == nil {
		return nil, errNoJobs
	}
	return s.deps.Jobs, nil
}

func (s *Server) getJobsSummary(c fuego.ContextNoBody) (jobs.Summary, error) {
	j, err := s.jobs(c)
	if err != nil {
		return jobs.Summary{}, err
	}
	return j.Summary(c.Context()), nil
}

func (s *Server) listDeadLetters(c fuego.ContextNoBody) (JobList, error) {
	j, err := s.jobs(c)
	if err != nil {
		return JobList{}, err
	}
	page, err := pageRequest(c)
	if err != nil {
		return JobList{}, err
	}
	list, err := j.DeadLetters(c.Context(), page)
	return JobList(list), err
}

func (s *Server) getJob(c fuego.ContextNoBody) (*jobs.Job, error) {
	j, err := s.jobs(c)
	if err != nil {
		return nil, err
	}
	return j.Job(c.Context(), c.PathParam("id"))
}

// enqueueWarm answers a warm asked for on demand: once the cache's access
// policy lets the caller warm each of nss (every namespace when none), the
// warm is enqueued and the answer is its job, to follow at GET /jobs/{id}.
func (s *Server) enqueueWarm(c requestContext, enqueue func(Jobs, context.Context) (*jobs.Job, error), nss ...cache.Namespace) (*jobs.Job, error) {
	if _, err := s.authorizedCache(c.Context(), cache.ActionWarm, nss...); err != nil {
		return nil, err
	}
	if s.deps.Jobs == nil {
		return nil, errNoJobs
	}
	return enqueue(s.deps.Jobs, c.Context())
}

// jobsConsoleCookie carries an admin's token to the job console's pages
// and to the calls they make, which a browser sends without an
// Authorization header. It is set by opening the console once with
// ?token=<admin token>.
const jobsConsoleCookie = "dabba_jobs_console"

// mountJobsConsole serves the job queues' web console at JobsConsolePath,
// to admins only.
func (s *Server) mountJobsConsole(console http.Handler) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.URL.Query().Get("token"); tok != "" {
			s.openJobsConsole(w, r, tok)
			return
		}
		tok, ok := bearerToken(r)
		if c, err := r.Cookie(jobsConsoleCookie); !ok && err == nil {
			tok, ok = c.Value, true
		}
		if !ok {
			writeProblem(w, r, newProblem("", "token_invalid", "the job console needs an admin token: open "+JobsConsolePath+"?token=<jwt> once"))
			return
		}
		p, err := s.tokens.Verify(tok)
		if err == nil {
			err = requireAdmin(p)
		}
		if err != nil {
			writeProblem(w, r, problemFor(err))
			return
		}
		console.ServeHTTP(w, r)
	})
	s.mux.Handle(JobsConsolePath, h)
	s.mux.Handle(JobsConsolePath+"/", h)
}

// openJobsConsole checks an admin token given in the URL, keeps it in a
// cookie scoped to the console and sends the browser on without it, so the
// token leaves the address bar and the history.
func (s *Server) openJobsConsole(w http.ResponseWriter, r *http.Request, tok string) {
	p, err := s.tokens.Verify(tok)
	if err == nil {
		err = requireAdmin(p)
	}
	if err != nil {
		writeProblem(w, r, problemFor(err))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: jobsConsoleCookie, Value: tok, Path: JobsConsolePath,
		MaxAge: int((12 * time.Hour).Seconds()), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	q := r.URL.Query()
	q.Del("token")
	target := r.URL.Path
	if rest := q.Encode(); rest != "" {
		target += "?" + rest
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
