/** Corefiles the CoreDNS addon's unit and end-to-end tests both expect or start from. */

/** kube-dns's stub domains and upstreams in kubeadm's translation; the federation block left out by the migration past CoreDNS 1.7.0. */
export const SWAPPED_COREFILE = `.:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    prometheus :9153
    forward . 8.8.8.8 8.8.4.4 {
        max_concurrent 1000
    }
    cache 30 {
        disable success cluster.local
        disable denial cluster.local
    }
    loop
    reload
    loadbalance
}

acme.local:53 {
    errors
    cache 30
    loop
    forward . 10.150.0.1 {
        max_concurrent 1000
    }
}

corp.example:53 {
    errors
    cache 30
    loop
    forward . 10.150.0.2:5353 {
        max_concurrent 1000
    }
}
`;

/** Customised for CoreDNS 1.6.9: a hosts block, and a forward without 1.7.0's max_concurrent. */
export const CUSTOM_1_6 = `.:53 {
    errors
    health
    ready
    hosts {
       10.0.0.1 registry.internal
       fallthrough
    }
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
    }
    forward . 10.0.0.53
    cache 30
    reload
}
`;
