"""metallb-lint: an offline linter for MetalLB configuration in GitOps repositories."""

# The only source of the version (hatchling reads it). A release is the tag `vX.Y.Z` on the
# commit that sets it (CONTRIBUTING.md, "Releasing").
__version__ = "0.2.0"
