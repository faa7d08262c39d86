# Convenience targets; each calls tasks.py, which creates .venv/ and installs requirements.txt on first use.
.PHONY: reports test setup benchmark schema clean
reports:
	python3 tasks.py reports
test:
	python3 tasks.py test
setup:
	python3 tasks.py setup
benchmark: setup
	.venv/bin/python benchmarks/engine.py
schema: setup
	.venv/bin/python -m tco schema --write
clean:
	rm -rf reports .venv
