"""What the project knows about MetalLB itself, per release: the release table (`versions`),
where its chart is published (`charts`), its address and label-selector syntax (`addresses`,
`selectors`), Go's number and duration syntax as its parser reads them (`gonumbers`), and the
CRD and chart-values schemas with their evaluator (`schema`, `minischema`)."""
