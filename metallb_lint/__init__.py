"""metallb-lint: an offline linter for MetalLB configuration in GitOps repositories."""

__version__ = "0.1.0"
