# Runs several AWS CLI v1 commands in one Python process, through the CLI's own entry point
# (awscli.clidriver, what the `aws` script calls), so a test pays the interpreter start-up once.
# stdin: JSON list of argv lists (without the leading "aws"). stdout: JSON list of {rc, out, err}.
import io
import json
import sys

from awscli.clidriver import create_clidriver

commands = json.load(sys.stdin)
results = []
driver = create_clidriver()
real_out, real_err = sys.stdout, sys.stderr
for argv in commands:
    out, err = io.StringIO(), io.StringIO()
    sys.stdout, sys.stderr = out, err
    try:
        rc = driver.main(argv)
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 1
    finally:
        sys.stdout, sys.stderr = real_out, real_err
    results.append({"rc": rc, "out": out.getvalue(), "err": err.getvalue()})
json.dump(results, real_out)
