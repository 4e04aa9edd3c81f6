package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"

	"github.com/dabba/dabba/store"
)

// ReviewList is a page of reviews, newest first.
type ReviewList store.Page[store.Review]

func (s *Server) reviewRoutes(g *fuego.Server) {
	tag := option.Tags("reviews")
	fuego.Get(g, "/restaurants/{id}/reviews", s.listReviews, tag, option.OperationID("listReviews"), catalogue(),
		option.Summary("List a restaurant's reviews"), option.Description("Any role. Newest first."),
		idPath("Restaurant ID."),
		option.QueryBool("include_rejected", "Also list reviews moderators rejected (admins and the restaurant itself)."),
		pageOptions(), problemResponses(http.StatusNotFound, http.StatusForbidden))
	fuego.Post(g, "/reviews", s.createReview, tag, option.OperationID("createReview"), created(),
		option.Summary("Review a delivered order"),
		option.Description("Customers only, one review per delivered order of their own. 409 when the order is not delivered yet or already reviewed."),
		problemResponses(http.StatusForbidden, http.StatusNotFound, http.StatusConflict))
	fuego.Get(g, "/reviews/{id}", s.getReview, tag, option.OperationID("getReview"), catalogue(),
		option.Summary("Get a review"), option.Description("Any role for published reviews; rejected ones only their author, restaurant and admins."),
		idPath("Review ID."), problemResponses(http.StatusNotFound))
	fuego.Patch(g, "/reviews/{id}", s.updateReview, tag, option.OperationID("updateReview"),
		option.Summary("Edit or moderate a review"),
		option.Description("The author may change rating and text; admins may also set `status` (published or rejected)."),
		idPath("Review ID."), problemResponses(http.StatusForbidden, http.StatusNotFound))
	fuego.Delete(g, "/reviews/{id}", s.deleteReview, tag, option.OperationID("deleteReview"),
		option.DefaultStatusCode(http.StatusNoContent),
		option.Summary("Delete a review"), option.Description("Its author or an admin."),
		idPath("Review ID."), problemResponses(http.StatusForbidden, http.StatusNotFound))
}

func (s *Server) listReviews(c fuego.ContextNoBody) (ReviewList, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return ReviewList{}, err
	}
	page, err := pageRequest(c)
	if err != nil {
		return ReviewList{}, err
	}
	f := store.ReviewFilter{Page: page}
	if raw := c.QueryParam("include_rejected"); raw != "" {
		if f.IncludeRejected, err = strconv.ParseBool(raw); err != nil {
			return ReviewList{}, badParameter("include_rejected", "must be true or false")
		}
	}
	if f.IncludeRejected {
		p, err := caller(c.Context())
		if err != nil {
			return ReviewList{}, err
		}
		if !p.Is(store.RoleRestaurant, id) {
			return ReviewList{}, store.Errorf(store.EFORBIDDEN, "forbidden", "only admins and the restaurant itself see rejected reviews")
		}
	}
	list, err := s.services.Reviews.Reviews(c.Context(), id, f)
	return ReviewList(list), err
}

func (s *Server) createReview(c fuego.ContextWithBody[store.ReviewInput]) (*store.Review, error) {
	p, err := caller(c.Context())
	if err != nil {
		return nil, err
	}
	if p.Role != store.RoleCustomer {
		return nil, store.Errorf(store.EFORBIDDEN, "customers_only", "only a customer token may write a review")
	}
	in, err := validated(c)
	if err != nil {
		return nil, err
	}
	return s.services.Reviews.CreateReview(c.Context(), p.ID, in)
}

// visibleReview loads a review the caller may see.
func (s *Server) visibleReview(ctx context.Context, id int64) (*store.Review, store.Principal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, p, err
	}
	r, err := s.services.Reviews.Review(ctx, id)
	if err != nil {
		return nil, p, err
	}
	if r.Status != store.ReviewPublished && !p.Is(store.RoleCustomer, r.CustomerID) && !p.Is(store.RoleRestaurant, r.RestaurantID) {
		return nil, p, store.NotFound("review", id)
	}
	return r, p, nil
}

func (s *Server) getReview(c fuego.ContextNoBody) (*store.Review, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	r, _, err := s.visibleReview(c.Context(), id)
	return r, err
}

// authoredReview loads a review the caller wrote (or any, for admins).
func (s *Server) authoredReview(ctx context.Context, id int64) (*store.Review, store.Principal, error) {
	r, p, err := s.visibleReview(ctx, id)
	if err != nil {
		return nil, p, err
	}
	if !p.Is(store.RoleCustomer, r.CustomerID) {
		return nil, p, store.Errorf(store.EFORBIDDEN, "forbidden", "only the review's author or an admin may change it")
	}
	return r, p, nil
}

func (s *Server) updateReview(c fuego.ContextWithBody[store.ReviewPatch]) (*store.Review, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	_, p, err := s.authoredReview(c.Context(), id)
	if err != nil {
		return nil, err
	}
	patch, err := c.Body()
	if err != nil {
		return nil, err
	}
	if patch.Status != nil && !p.IsAdmin() {
		return nil, store.Errorf(store.EFORBIDDEN, "admin_only", "only an admin may moderate a review")
	}
	return s.services.Reviews.UpdateReview(c.Context(), id, patch)
}

func (s *Server) deleteReview(c fuego.ContextNoBody) (any, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	if _, _, err := s.authoredReview(c.Context(), id); err != nil {
		return nil, err
	}
	return nil, s.services.Reviews.DeleteReview(c.Context(), id)
}
