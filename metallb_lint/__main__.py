from metallb_lint.cli import run

run()
