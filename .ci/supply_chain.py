"""Supply-chain checks of CI: pip-audit over the installed dependencies, bandit over the code.

pip-audit fails the build on any known vulnerability not in .ci/pip-audit-allow.txt. When the
vulnerability service cannot be reached (no network beyond the package index), nothing could be
audited: that is said loudly, and fails too when AFTERSALES_AUDIT_STRICT=1.
"""

import json
import os
import subprocess  # nosec B404
import sys
from pathlib import Path

CI = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent


def allowed_ids() -> set[str]:
    ids = set()
    for line in (CI / "pip-audit-allow.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            ids.add(line.split()[0])
    return ids


def pip_audit() -> int:
    cmd = [str(VENV_BIN / "pip-audit"), "--local", "--skip-editable", "--format", "json"]
    for vuln in sorted(allowed_ids()):
        cmd += ["--ignore-vuln", vuln]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)  # nosec B603
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        print(proc.stdout, proc.stderr, sep="\n")
        print("!! pip-audit did not produce a report")
        return 1
    deps = report.get("dependencies", [])
    skipped = [d for d in deps if "skip_reason" in d]
    audited = [d for d in deps if "skip_reason" not in d]
    found = [(d["name"], d["version"], v["id"]) for d in audited for v in d.get("vulns", [])]
    print(f"== pip-audit: {len(audited)} packages audited, {len(skipped)} not audited")
    for name, version, vuln in found:
        print(f"!! {name} {version}: {vuln}")
    if found:
        return 1
    if deps and not audited:
        print(
            "!! pip-audit could not reach a vulnerability service (PyPI's per-release JSON or "
            "OSV): NOTHING WAS AUDITED. Run it where the network allows."
        )
        return 1 if os.environ.get("AFTERSALES_AUDIT_STRICT") == "1" else 0
    return 0


def bandit() -> int:
    cmd = [str(VENV_BIN / "bandit"), "-q", "-c", str(CI / "bandit.yml"), "-r", "src/aftersales"]
    proc = subprocess.run(cmd, cwd=CI.parent, timeout=600)  # nosec B603
    print(f"== bandit: {'clean' if proc.returncode == 0 else 'FINDINGS'}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(max(pip_audit(), bandit()))
