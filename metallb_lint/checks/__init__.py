"""Rules over the inventory, one module per family (input, schema and versions, pools,
advertisements and BGP, Services, chart and install). `context` says what a rule is, `run`
runs them all."""
