package main

import (
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/dabba/dabba/actors"
)

// clusterFrom reads the cluster configuration from the environment set by
// the test and the given flags.
func clusterFrom(t *testing.T, args ...string) (actors.ClusterConfig, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var cfg Config
	validate := cfg.bindFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if err := validate(); err != nil {
		t.Fatal(err)
	}
	return cfg.cluster()
}

func TestClusterConfiguration_DefaultsToAOneMemberCluster(t *testing.T) {
	for _, v := range []string{"DABBA_CLUSTER_ETCD", "DABBA_CLUSTER_NAME", "DABBA_CLUSTER_BIND", "DABBA_CLUSTER_ADVERTISE"} {
		t.Setenv(v, "")
	}
	got, err := clusterFrom(t)
	want := actors.ClusterConfig{Name: "dabba", Host: "127.0.0.1", Port: 0}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("default cluster %+v (%v), want %+v", got, err, want)
	}
}

func TestClusterConfiguration_NamesTheNodesOfADeployment(t *testing.T) {
	t.Setenv("DABBA_CLUSTER_ETCD", "etcd-1:2379, etcd-2:2379,")
	t.Setenv("DABBA_CLUSTER_NAME", "dabba-prod")
	t.Setenv("DABBA_CLUSTER_BIND", "0.0.0.0:7000")
	t.Setenv("DABBA_CLUSTER_ADVERTISE", "10.0.0.5:7000")
	got, err := clusterFrom(t, "--cluster-advertise", "api-1.internal:7000")
	want := actors.ClusterConfig{Name: "dabba-prod", Host: "0.0.0.0", Port: 7000, AdvertisedHost: "api-1.internal:7000",
		Etcd: []string{"etcd-1:2379", "etcd-2:2379"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("cluster %+v (%v), want %+v (the flag wins over its variable)", got, err, want)
	}
}

func TestClusterConfiguration_RefusesAddressesItCannotUse(t *testing.T) {
	for _, c := range []struct{ bind, advertise, names string }{
		{"7000", "", "DABBA_CLUSTER_BIND"},
		{"127.0.0.1:http", "", "DABBA_CLUSTER_BIND"},
		{"127.0.0.1:70000", "", "DABBA_CLUSTER_BIND"},
		{"0.0.0.0:7000", "api-1.internal", "DABBA_CLUSTER_ADVERTISE"},
		{"0.0.0.0:7000", "api-1.internal:0", "DABBA_CLUSTER_ADVERTISE"},
		{"0.0.0.0:0", "api-1.internal:7000", "fixed port in cluster-bind"},
	} {
		t.Setenv("DABBA_CLUSTER_BIND", c.bind)
		t.Setenv("DABBA_CLUSTER_ADVERTISE", c.advertise)
		if _, err := clusterFrom(t); err == nil || !strings.Contains(err.Error(), c.names) {
			t.Errorf("bind %q advertise %q: %v, want an error naming %s", c.bind, c.advertise, err, c.names)
		}
	}
}
