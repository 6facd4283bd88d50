"""What the GitOps tools do to a file before the cluster receives it: one module per tool
(`kustomize`, `flux`, `argocd`, `helm`, `helmfile`), which files anything deploys
(`deployment`), the release container images name (`images`), placeholders and the Helm
template subset (`placeholders`, `templates`), and the namespace and unit of each folder
(`scopes`)."""
