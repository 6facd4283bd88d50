from metallb_lint.cli import main

raise SystemExit(main())
