package postgres

import (
	"context"
	_ "embed"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store"
)

var (
	//go:embed customer_get.sql
	customerGetSQL string
	//go:embed customer_lock.sql
	customerLockSQL string
	//go:embed customer_list.sql
	customerListSQL string
	//go:embed customer_insert.sql
	customerInsertSQL string
	//go:embed customer_update.sql
	customerUpdateSQL string
	//go:embed customer_erase.sql
	customerEraseSQL string
)

// customers implements store.CustomerService.
type customers struct{ db *DB }

var _ store.CustomerService = (*customers)(nil)

func (s *customers) Customer(ctx context.Context, id int64) (*store.Customer, error) {
	c, err := getCustomer(ctx, s.db.pool, customerGetSQL, id)
	return c, storeError("get customer", err)
}

func (s *customers) Customers(ctx context.Context, page store.PageRequest) (store.Page[store.Customer], error) {
	limit, after, err := keyset[idPosition](page)
	if err != nil {
		return store.Page[store.Customer]{}, err
	}
	args := pgx.NamedArgs{"after_id": nil, "limit": limit + 1}
	if after != nil {
		args["after_id"] = after.ID
	}
	rows, _ := s.db.pool.Query(ctx, customerListSQL, args)
	p, err := collectPage(rows, limit, scanCustomer, func(c store.Customer) any { return idPosition{c.ID} })
	return p, storeError("list customers", err)
}

func (s *customers) CreateCustomer(ctx context.Context, in store.CustomerInput) (*store.Customer, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	rows, _ := s.db.pool.Query(ctx, customerInsertSQL, customerArgs(store.Customer{
		Name: in.Name, Email: in.Email, Phone: in.Phone, Addresses: in.Addresses,
	}))
	c, err := pgx.CollectExactlyOneRow(rows, scanCustomer)
	if err != nil {
		return nil, storeError("create customer", err)
	}
	return &c, nil
}

func (s *customers) UpdateCustomer(ctx context.Context, id int64, p store.CustomerPatch) (*store.Customer, error) {
	var c store.Customer
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		old, err := getCustomer(ctx, tx, customerLockSQL, id)
		if err != nil {
			return err
		}
		updated, err := p.Apply(*old)
		if err != nil {
			return err
		}
		args := customerArgs(updated)
		args["id"] = id
		rows, _ := tx.Query(ctx, customerUpdateSQL, args)
		c, err = pgx.CollectExactlyOneRow(rows, scanCustomer)
		return err
	})
	if err != nil {
		return nil, storeError("update customer", err)
	}
	return &c, nil
}

func (s *customers) DeleteCustomer(ctx context.Context, id int64) error {
	tag, err := s.db.pool.Exec(ctx, customerEraseSQL, pgx.NamedArgs{"id": id})
	if err == nil && tag.RowsAffected() == 0 {
		err = store.NotFound("customer", id)
	}
	return storeError("delete customer", err)
}

// getCustomer reads one open account with query, customer_get.sql or
// customer_lock.sql. Returns ENOTFOUND.
func getCustomer(ctx context.Context, q querier, query string, id int64) (*store.Customer, error) {
	rows, _ := q.Query(ctx, query, pgx.NamedArgs{"id": id})
	c, err := pgx.CollectExactlyOneRow(rows, scanCustomer)
	if err != nil {
		return nil, orNotFound(err, "customer", id)
	}
	return &c, nil
}

func customerArgs(c store.Customer) pgx.NamedArgs {
	addresses := c.Addresses
	if addresses == nil {
		addresses = []store.Address{}
	}
	return pgx.NamedArgs{"name": c.Name, "email": c.Email, "phone": c.Phone, "addresses": addresses}
}

func scanCustomer(row pgx.CollectableRow) (store.Customer, error) {
	var c store.Customer
	err := row.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.Addresses, &c.CreatedAt, &c.UpdatedAt)
	return c, err
}
