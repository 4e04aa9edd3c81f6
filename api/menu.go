package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"

	"github.com/dabba/dabba/store"
)

// MenuItemList is a page of menu items.
type MenuItemList store.Page[store.MenuItem]

func (s *Server) menuRoutes(g *fuego.Server) {
	tag := option.Tags("menus")
	fuego.Get(g, "/restaurants/{id}/menu-items", s.listMenuItems, tag, option.OperationID("listMenuItems"), catalogue(),
		option.Summary("List a restaurant's menu"), option.Description("Any role."),
		idPath("Restaurant ID."),
		option.Query("category", "Only this category (case-insensitive).", fuego.ParamExample("Mains", "Mains")),
		option.QueryBool("available", "true: only items that can be ordered now."),
		pageOptions(), problemResponses(http.StatusNotFound))
	fuego.Post(g, "/restaurants/{id}/menu-items", s.createMenuItem, tag, option.OperationID("createMenuItem"), created(),
		option.Summary("Add a menu item"), option.Description("The restaurant itself or an admin. The price's currency must be the restaurant's."),
		idPath("Restaurant ID."), problemResponses(http.StatusForbidden, http.StatusNotFound))
	fuego.Get(g, "/menu-items/{id}", s.getMenuItem, tag, option.OperationID("getMenuItem"), catalogue(),
		option.Summary("Get a menu item"), option.Description("Any role."),
		idPath("Menu item ID."), problemResponses(http.StatusNotFound))
	fuego.Patch(g, "/menu-items/{id}", s.updateMenuItem, tag, option.OperationID("updateMenuItem"),
		option.Summary("Change a menu item"), option.Description("Its restaurant or an admin. Absent fields stay as they are."),
		idPath("Menu item ID."), problemResponses(http.StatusForbidden, http.StatusNotFound))
	fuego.Delete(g, "/menu-items/{id}", s.deleteMenuItem, tag, option.OperationID("deleteMenuItem"),
		option.DefaultStatusCode(http.StatusNoContent),
		option.Summary("Remove a menu item"), option.Description("Its restaurant or an admin. Past orders keep their copy of its name and price."),
		idPath("Menu item ID."), problemResponses(http.StatusForbidden, http.StatusNotFound))
}

func (s *Server) listMenuItems(c fuego.ContextNoBody) (MenuItemList, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return MenuItemList{}, err
	}
	page, err := pageRequest(c)
	if err != nil {
		return MenuItemList{}, err
	}
	f := store.MenuFilter{Category: c.QueryParam("category"), Page: page}
	if raw := c.QueryParam("available"); raw != "" {
		if f.AvailableOnly, err = strconv.ParseBool(raw); err != nil {
			return MenuItemList{}, badParameter("available", "must be true or false")
		}
	}
	list, err := s.services.Menus.MenuItems(c.Context(), id, f)
	return MenuItemList(list), err
}

func (s *Server) createMenuItem(c fuego.ContextWithBody[store.MenuItemInput]) (*store.MenuItem, error) {
	id, err := pathSelf(c, store.RoleRestaurant, "restaurant")
	if err != nil {
		return nil, err
	}
	in, err := validated(c)
	if err != nil {
		return nil, err
	}
	return s.services.Menus.CreateMenuItem(c.Context(), id, in)
}

func (s *Server) getMenuItem(c fuego.ContextNoBody) (*store.MenuItem, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.services.Menus.MenuItem(c.Context(), id)
}

// ownMenuItem loads a menu item the caller may change: its restaurant's or
// any for admins.
func (s *Server) ownMenuItem(ctx context.Context, id int64) (*store.MenuItem, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := requireRole(p, store.RoleRestaurant); err != nil {
		return nil, err
	}
	item, err := s.services.Menus.MenuItem(ctx, id)
	if err != nil {
		return nil, err
	}
	if !p.Is(store.RoleRestaurant, item.RestaurantID) {
		return nil, store.NotFound("menu_item", id)
	}
	return item, nil
}

func (s *Server) updateMenuItem(c fuego.ContextWithBody[store.MenuItemPatch]) (*store.MenuItem, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	if _, err := s.ownMenuItem(c.Context(), id); err != nil {
		return nil, err
	}
	patch, err := c.Body()
	if err != nil {
		return nil, err
	}
	return s.services.Menus.UpdateMenuItem(c.Context(), id, patch)
}

func (s *Server) deleteMenuItem(c fuego.ContextNoBody) (any, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	if _, err := s.ownMenuItem(c.Context(), id); err != nil {
		return nil, err
	}
	return nil, s.services.Menus.DeleteMenuItem(c.Context(), id)
}
