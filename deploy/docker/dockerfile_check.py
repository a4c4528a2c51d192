#!/usr/bin/env python3
"""Checks deploy/docker/Dockerfile without a container engine, and replays its build stage.

  dockerfile_check.py static <Dockerfile>                 rules of the runtime image (exit 1 naming each broken rule)
  dockerfile_check.py replay <Dockerfile> <context> <dir> runs the build stage's COPY and RUN lines with <dir> standing
                                                          for the stage's root filesystem; prints the published folder
  dockerfile_check.py field <Dockerfile> <name>           prints one value of the runtime stage (healthcheck, env, env:KEY,
                                                          entrypoint-dll) for check.sh's smoke run
Only the standard library: it runs on a fresh machine.
"""
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

SECRET_NAMES = re.compile(r"(MasterKey|Tokens|API_KEY|ApiKey|ManagementKey|Password|Secret)", re.IGNORECASE)


def instructions(path):
    """(keyword, argument text) per instruction, continuation lines joined, comments dropped."""
    result, pending = [], ""
    with open(path, encoding="utf-8") as file:
        for raw in file:
            line = raw.rstrip("\n")
            if not pending and (line.strip() == "" or line.lstrip().startswith("#")):
                continue
            if pending and line.lstrip().startswith("#"):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            text = (pending + line).strip()
            pending = ""
            keyword, _, rest = text.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def stages(path):
    """Stages in order: dicts with name, base and their instructions."""
    result = []
    for keyword, rest in instructions(path):
        if keyword == "FROM":
            parts = rest.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            result.append({"name": name, "base": parts[0], "steps": []})
        elif result:
            result[-1]["steps"].append((keyword, rest))
    return result


def env_of(stage):
    env = {}
    for keyword, rest in stage["steps"]:
        if keyword != "ENV":
            continue
        for token in shlex.split(rest):
            key, sep, value = token.partition("=")
            if not sep:
                raise SystemExit(f"ENV {rest}: use the KEY=value form")
            env[key] = value
    return env


def exec_form(text):
    """An instruction argument in JSON (exec) form, or None."""
    text = text.strip()
    if text.startswith("["):
        return json.loads(text)
    return None


def static(path):
    all_stages = stages(path)
    failures = []

    def need(condition, message):
        if not condition:
            failures.append(message)

    need(len(all_stages) >= 2, "not multi-stage: expected an SDK build stage and a runtime stage")
    if not all_stages:
        return failures
    build, runtime = all_stages[0], all_stages[-1]
    need(build["base"].startswith("mcr.microsoft.com/dotnet/sdk:10.0"), f"build stage base {build['base']}: expected mcr.microsoft.com/dotnet/sdk:10.0")
    need(re.match(r"mcr\.microsoft\.com/dotnet/aspnet:10\.0", runtime["base"]) is not None, f"runtime base {runtime['base']}: expected mcr.microsoft.com/dotnet/aspnet:10.0[-variant]")

    env = env_of(runtime)
    users = [rest for keyword, rest in runtime["steps"] if keyword == "USER"]
    need(users, "runtime stage has no USER: it would run as root")
    if users:
        user = users[-1].split(":")[0]
        need(user not in ("root", "0", ""), f"USER {users[-1]}: runs as root")
        need(user.isdigit() or user.startswith("$"), f"USER {users[-1]}: give the numeric UID so Kubernetes' runAsNonRoot can verify it")

    spool = env.get("Storage__SpoolDirectory", "")
    need(spool.startswith("/"), "ENV Storage__SpoolDirectory is not an absolute path: the spool would land in /app, on the read-only root filesystem")
    volumes = []
    for keyword, rest in runtime["steps"]:
        if keyword == "VOLUME":
            volumes += exec_form(rest) or rest.split()
    need(spool in volumes, f"no VOLUME for the spool directory {spool!r} (VOLUME lists {volumes})")

    exposed = set()
    for keyword, rest in runtime["steps"]:
        if keyword == "EXPOSE":
            exposed |= {token.split("/")[0] for token in rest.split()}
    for key in ("Endpoints__Proxy", "Endpoints__Admin"):
        url = env.get(key, "")
        match = re.match(r"^https?://([^:/]+):(\d+)$", url)
        need(match is not None, f"ENV {key}={url!r}: expected http://0.0.0.0:<port>")
        if match:
            need(match.group(1) == "0.0.0.0", f"ENV {key}={url}: binds {match.group(1)}, unreachable from outside the container")
            need(match.group(2) in exposed, f"ENV {key}={url}: port {match.group(2)} is not EXPOSEd (EXPOSE {sorted(exposed)})")

    health = [rest for keyword, rest in runtime["steps"] if keyword == "HEALTHCHECK"]
    need(health and not health[-1].upper().startswith("NONE"), "no HEALTHCHECK in the runtime stage")

    for stage in all_stages:
        for key, value in env_of(stage).items():
            need(not SECRET_NAMES.search(key), f"ENV {key} in stage {stage['name'] or stage['base']}: secrets come at run time, never in the image")
        for keyword, rest in stage["steps"]:
            if keyword == "ARG":
                need(not SECRET_NAMES.search(rest), f"ARG {rest}: build arguments end up in the image history")
            if keyword in ("COPY", "ADD") and "--from=" not in rest:
                need(".local" not in rest and ".git" not in rest.split(), f"{keyword} {rest}: copies local state (generated secrets live in .local/)")

    entry = exec_form(next((rest for keyword, rest in reversed(runtime["steps"]) if keyword == "ENTRYPOINT"), "null"))
    need(entry is not None and entry[:1] == ["dotnet"] and len(entry) >= 2 and entry[1].endswith(".dll"),
         f"ENTRYPOINT {entry}: expected the exec form [\"dotnet\", \"/app/<name>.dll\"] (signals reach the process directly)")
    return failures


def replay(path, context, root):
    """Runs the first stage's COPY and RUN lines with root standing for '/': the same files, the same commands."""
    ignored = []
    ignore_file = os.path.join(context, ".dockerignore")
    if os.path.exists(ignore_file):
        with open(ignore_file, encoding="utf-8") as file:
            ignored = [line.strip().rstrip("/") for line in file if line.strip() and not line.startswith("#")]

    def skip(relative):
        return any(fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative, pattern.removeprefix("**/"))
                   or fnmatch.fnmatch(os.path.basename(relative), pattern.removeprefix("**/")) for pattern in ignored)

    def inside(container_path, workdir):
        absolute = container_path if container_path.startswith("/") else os.path.join(workdir, container_path)
        return os.path.join(root, absolute.lstrip("/"))

    build = stages(path)[0]
    workdir = "/"
    for keyword, rest in build["steps"]:
        if keyword == "WORKDIR":
            workdir = os.path.join(workdir, rest)
            os.makedirs(inside(workdir, "/"), exist_ok=True)
        elif keyword == "COPY":
            parts = [part for part in shlex.split(rest) if not part.startswith("--")]
            *sources, destination = parts
            target = inside(destination, workdir)
            for source in sources:
                origin = os.path.join(context, source)
                if os.path.isdir(origin):
                    shutil.copytree(origin, target, dirs_exist_ok=True,
                                    ignore=lambda folder, names: [n for n in names if skip(os.path.relpath(os.path.join(folder, n), context))])
                else:
                    os.makedirs(target if destination.endswith("/") else os.path.dirname(target), exist_ok=True)
                    shutil.copy2(origin, target)
        elif keyword == "RUN":
            command = shlex.split(rest)
            if command[0] not in ("dotnet", "mkdir"):
                raise SystemExit(f"RUN {rest}: the check replays only dotnet and mkdir; extend deploy/docker/dockerfile_check.py")
            mapped = [inside(arg, "/") if arg.startswith("/") else arg for arg in command]
            print("replay: RUN " + rest, file=sys.stderr)
            subprocess.run(mapped, cwd=inside(workdir, "/"), check=True)
        elif keyword in ("ENV", "ARG"):
            raise SystemExit(f"{keyword} in the build stage: the replay does not apply it; extend deploy/docker/dockerfile_check.py")


def field(path, name):
    runtime = stages(path)[-1]
    if name == "healthcheck":
        rest = next(rest for keyword, rest in reversed(runtime["steps"]) if keyword == "HEALTHCHECK")
        command = rest[rest.index("CMD") + 3:].strip()
        return json.dumps(exec_form(command) or ["/bin/sh", "-c", command])
    if name == "entrypoint-dll":
        return exec_form(next(rest for keyword, rest in reversed(runtime["steps"]) if keyword == "ENTRYPOINT"))[1]
    if name == "env":
        return "\n".join(f"{key}={value}" for key, value in env_of(runtime).items())
    if name.startswith("env:"):
        return env_of(runtime).get(name[4:], "")
    raise SystemExit(f"unknown field {name}")


def main(argv):
    if len(argv) >= 3 and argv[1] == "static":
        failures = static(argv[2])
        for failure in failures:
            print(f"{argv[2]}: {failure}", file=sys.stderr)
        return 1 if failures else 0
    if len(argv) == 5 and argv[1] == "replay":
        replay(argv[2], argv[3], argv[4])
        return 0
    if len(argv) == 4 and argv[1] == "field":
        print(field(argv[2], argv[3]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
