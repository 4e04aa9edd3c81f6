package actors

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/clusterproviders/etcd"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// The nodes of a cluster find each other in etcd with protoactor's etcd
// provider. Each node registers under {etcdBaseKey}/{cluster name}/ with a
// lease of 3 s (the provider's, not configurable) that it keeps alive, and
// watches the others' registrations; it deletes its own when it leaves.
const (
	etcdBaseKey = "/dabba"
	// etcdAnswerTimeout bounds how long a starting node waits for etcd.
	etcdAnswerTimeout = 5 * time.Second
)

// etcdMembers is protoactor's etcd provider, made when the member starts.
// The provider dials etcd as soon as it is made, and the remoting, which
// starts first, replaces grpc's process-wide logger that the dialling
// connection reads: made later, the two do not overlap.
type etcdMembers struct {
	cfg      clientv3.Config
	provider *etcd.Provider
}

// newEtcdMembers checks that etcd answers at endpoints, so that a node
// that cannot reach it fails to start instead of waiting: the provider
// waits for etcd without a bound.
func newEtcdMembers(ctx context.Context, endpoints []string) (*etcdMembers, error) {
	m := &etcdMembers{cfg: clientv3.Config{Endpoints: endpoints, DialTimeout: etcdAnswerTimeout}}
	c, err := clientv3.New(m.cfg)
	if err != nil {
		return nil, fmt.Errorf("actors: etcd client for %s: %w", strings.Join(endpoints, ","), err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, etcdAnswerTimeout)
	defer cancel()
	if _, err := c.Get(ctx, etcdBaseKey, clientv3.WithPrefix(), clientv3.WithCountOnly()); err != nil {
		return nil, fmt.Errorf("actors: etcd at %s does not answer: %w", strings.Join(endpoints, ","), err)
	}
	return m, nil
}

// StartMember registers this node and follows the others.
func (m *etcdMembers) StartMember(c *cluster.Cluster) error {
	if err := m.make(); err != nil {
		return err
	}
	return m.provider.StartMember(c)
}

// StartClient follows the members without registering this node.
func (m *etcdMembers) StartClient(c *cluster.Cluster) error {
	if err := m.make(); err != nil {
		return err
	}
	return m.provider.StartClient(c)
}

// Shutdown deletes this node's registration and stops following.
func (m *etcdMembers) Shutdown(graceful bool) error {
	if m.provider == nil {
		return nil
	}
	return m.provider.Shutdown(graceful)
}

func (m *etcdMembers) make() error {
	p, err := etcd.NewWithConfig(etcdBaseKey, m.cfg)
	if err != nil {
		return fmt.Errorf("actors: etcd client for %s: %w", strings.Join(m.cfg.Endpoints, ","), err)
	}
	m.provider = p
	return nil
}
