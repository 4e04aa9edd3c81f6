package api

import (
	"net/http"

	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"

	"github.com/dabba/dabba/store"
)

// CourierList is a page of couriers.
type CourierList store.Page[store.Courier]

func (s *Server) courierRoutes(g *fuego.Server) {
	tag := option.Tags("couriers")
	fuego.Get(g, "/couriers", s.listCouriers, tag, option.OperationID("listCouriers"),
		option.Summary("List couriers"), option.Description("Admin only."),
		option.Query("status", "Only couriers in this state: offline, available or busy."),
		pageOptions(), problemResponses(http.StatusForbidden))
	fuego.Post(g, "/couriers", s.createCourier, tag, option.OperationID("createCourier"), created(),
		option.Summary("Add a courier"), option.Description("Admin only. New couriers start offline."),
		problemResponses(http.StatusForbidden))
	fuego.Get(g, "/couriers/{id}", s.getCourier, tag, option.OperationID("getCourier"),
		option.Summary("Get a courier"), option.Description("The courier themself or an admin."),
		idPath("Courier ID."), problemResponses(http.StatusForbidden, http.StatusNotFound))
	fuego.Patch(g, "/couriers/{id}", s.updateCourier, tag, option.OperationID("updateCourier"),
		option.Summary("Change a courier"), option.Description("The courier themself (e.g. going online: `status: available`) or an admin."),
		idPath("Courier ID."), problemResponses(http.StatusForbidden, http.StatusNotFound))
	fuego.Put(g, "/couriers/{id}/location", s.locateCourier, tag, option.OperationID("locateCourier"),
		option.DefaultStatusCode(http.StatusNoContent),
		option.Summary("Report an idle courier's position"),
		option.Description("The courier themself or an admin, while not carrying an order (positions on a delivery go to "+
			"POST /orders/{id}/delivery/location). Dispatch assigns the nearest available courier and surge pricing counts "+
			"couriers near a restaurant from these positions, so an available courier reports about every 30 seconds."),
		idPath("Courier ID."), problemResponses(http.StatusForbidden, http.StatusNotFound))
}

func (s *Server) locateCourier(c fuego.ContextWithBody[store.Point]) (any, error) {
	id, at, err := selfBody(c, store.RoleCourier, "courier")
	if err != nil {
		return nil, err
	}
	if _, err := s.services.Couriers.Courier(c.Context(), id); err != nil {
		return nil, err
	}
	return nil, s.deps.Engine.LocateCourier(c.Context(), id, at)
}

func (s *Server) listCouriers(c fuego.ContextNoBody) (CourierList, error) {
	page, err := adminPage(c)
	if err != nil {
		return CourierList{}, err
	}
	f := store.CourierFilter{Status: store.CourierStatus(c.QueryParam("status")), Page: page}
	switch f.Status {
	case "", store.CourierOffline, store.CourierAvailable, store.CourierBusy:
	default:
		return CourierList{}, badParameter("status", "must be offline, available or busy")
	}
	list, err := s.services.Couriers.Couriers(c.Context(), f)
	return CourierList(list), err
}

func (s *Server) createCourier(c fuego.ContextWithBody[store.CourierInput]) (*store.Courier, error) {
	in, err := adminBody(c)
	if err != nil {
		return nil, err
	}
	return s.services.Couriers.CreateCourier(c.Context(), in)
}

func (s *Server) getCourier(c fuego.ContextNoBody) (*store.Courier, error) {
	id, err := pathSelf(c, store.RoleCourier, "courier")
	if err != nil {
		return nil, err
	}
	return s.services.Couriers.Courier(c.Context(), id)
}

func (s *Server) updateCourier(c fuego.ContextWithBody[store.CourierPatch]) (*store.Courier, error) {
	id, patch, err := selfBody(c, store.RoleCourier, "courier")
	if err != nil {
		return nil, err
	}
	return s.services.Couriers.UpdateCourier(c.Context(), id, patch)
}
