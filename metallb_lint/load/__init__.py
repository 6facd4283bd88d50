"""Stage 1 and 2, discover and load: paths to candidate files (`discover`, `ignore`), files to
sources with a role (`sources`), and bytes to documents with a position for every value
(`documents`, with the fast block reader `blockyaml` and what both readers share, `yamlcore`)."""
