"""The work behind the subcommands other than `check`: the IP allocation map of `ips`
(`ipmap`), the legacy-to-CRD conversion of `migrate` (`migrate`), and the comparison of the
static deployment model with the real kustomize engine (`differential`)."""
