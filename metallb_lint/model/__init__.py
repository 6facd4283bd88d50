"""Stage 3, inventory: documents to typed objects (`objects`), built by `inventory` with what
`gitops/` says about each file; what Services ask for (`service_requests`), chart values as
Helm merges them (`chart_values`), the legacy ConfigMap configuration (`legacy`), and the
release, mode and namespace the repository is checked against (`target`)."""
