"""The work behind the subcommands other than `check`: the IP allocation map of `ips`
(`ipmap`) and the legacy-to-CRD conversion of `migrate` (`migrate`)."""
