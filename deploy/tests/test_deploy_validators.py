"""deploy/validate (Go) on the compose file, the Helm chart, the Dockerfiles and the Terraform,
and each check on a deliberately broken copy of its file, which must fail.

Integration layer: the first run builds the validator from the Go module proxy (cached under
.tools/va-validate/ by the hash of its sources); nothing here needs a container engine or a
cluster.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from validator_build import BUILD_TIMEOUT_S, ROOT, build

# the first test also waits for a cold `go build` of the validator (BUILD_TIMEOUT_S)
pytestmark = [pytest.mark.integration, pytest.mark.timeout(BUILD_TIMEOUT_S + 300)]

COMPOSE = ROOT / "deploy" / "compose" / "compose.yaml"
CHART = ROOT / "deploy" / "helm" / "voice-assistant"
CI_VALUES = CHART / "ci"
TERRAFORM = ROOT / "deploy" / "terraform"
# the Secret that the chart's default values expect the cluster to have
EXTERNAL_SECRET = ["-external-secret", "voice-assistant"]
# what each service cannot start without (agent/src/voice_agent/settings.py,
# backend/app/core/config.py, the images' own entrypoints)
COMPOSE_ENV = {
    "backend": [
        "LIVEKIT_URL",
        "LIVEKIT_API_KEY",
        "LIVEKIT_API_SECRET",
        "AGENT_SERVICE_TOKEN",
        "BACKEND_JOB_CREDENTIAL_SECRET",
        "BACKEND_API_KEYS",
        "DATABASE_URL",
        "REDIS_URL",
    ],
    "agent": [
        "LIVEKIT_URL",
        "LIVEKIT_API_KEY",
        "LIVEKIT_API_SECRET",
        "AGENT_BACKEND_URL",
        "AGENT_SERVICE_TOKEN",
        "AGENT_DRAIN_TIMEOUT_S",
        "AGENT_MODEL_HOST__URL",
    ],
    "model-host": ["AGENT_MODEL_HOST__PORT", "AGENT_MODEL_HOST__SLOTS"],
    "livekit": ["LIVEKIT_KEYS"],
    "postgres": ["POSTGRES_PASSWORD"],
    "grafana": ["GF_SECURITY_ADMIN_PASSWORD"],
}
REQUIRE_ENV = [
    arg
    for service, names in COMPOSE_ENV.items()
    for name in names
    for arg in ("-require-env", f"{service}={name}")
]
DOCKERFILES = {
    "agent": [
        "-require",
        "uv sync --frozen",
        "-require",
        "python -m voice_agent.check_models",
        # the assembled model is mode 600; the image runs as another user
        "-require",
        "chmod -R a+rX /app/models",
    ],
    "backend": ["-require", "uv sync --frozen", "-require", "npm ci", "-require", "npm run build"],
}


@pytest.fixture(scope="session")
def validator() -> Path:
    return build()


def run(validator: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(validator), *map(str, args)], capture_output=True, text=True, timeout=300
    )


def assert_ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr + result.stdout


def assert_fails(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 1, f"expected a failure, got {result.returncode}: {result.stdout}"
    for text in expected:
        assert text in result.stderr, result.stderr


def broken_copy(src: Path, tmp_path: Path, old: str, new: str, name: str | None = None) -> Path:
    """A copy of src with one exact replacement (which must apply)."""
    text = src.read_text(encoding="utf-8")
    assert old in text, f"{src.name} no longer contains {old!r}: update this test"
    target = tmp_path / (name or src.name)
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


# -- compose -----------------------------------------------------------------------------------


def test_compose_file_is_valid(validator: Path) -> None:
    result = run(validator, "compose", COMPOSE, *REQUIRE_ENV)
    assert_ok(result)
    assert "8 services" in result.stdout


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # a secret with a default instead of being required
        (
            "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD (letters and digits)}",
            "${POSTGRES_PASSWORD:-postgres}",
            "${POSTGRES_PASSWORD} is a credential",
        ),
        # a credential written into the file
        (
            "GF_SECURITY_ADMIN_PASSWORD: ${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD}",
            "GF_SECURITY_ADMIN_PASSWORD: admin",
            "sets GF_SECURITY_ADMIN_PASSWORD to a value in the file",
        ),
        # a field the compose specification does not have
        ("    stop_grace_period: 630s", "    stop_grace_period_s: 630", "stop_grace_period_s"),
        # a service without a secret it needs
        (
            "      AGENT_SERVICE_TOKEN: ${AGENT_SERVICE_TOKEN:?set AGENT_SERVICE_TOKEN}\n",
            "",
            "service agent does not set AGENT_SERVICE_TOKEN",
        ),
        # an image by tag only
        (
            "redis:7.4.6-alpine@sha256:3b73847e72874be07e6657b129a94761662b79bc0f679273757d4218573b2a98",
            "redis:7.4.6-alpine",
            "is not pinned",
        ),
    ],
    ids=[
        "secret-with-default",
        "literal-secret",
        "unknown-field",
        "missing-secret",
        "unpinned-image",
    ],
)
def test_compose_validator_fails_on_a_broken_copy(
    validator: Path, tmp_path: Path, old: str, new: str, expected: str
) -> None:
    broken = broken_copy(COMPOSE, tmp_path, old, new)
    assert_fails(run(validator, "compose", broken, *REQUIRE_ENV), expected)


# -- Helm chart --------------------------------------------------------------------------------

VALUE_SETS = {
    "defaults": [*EXTERNAL_SECRET],
    "create-secret": ["-f", CI_VALUES / "create-secret.yaml"],
    "managed-services": ["-f", CI_VALUES / "managed-services.yaml", *EXTERNAL_SECRET],
}


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_chart_lints_renders_and_decodes_strictly(validator: Path, values: list[str]) -> None:
    result = run(validator, "helm", CHART, *values)
    assert_ok(result)
    assert "lint ok" in result.stdout and "decoded strictly" in result.stdout
    for kind in ("Deployment", "StatefulSet", "NetworkPolicy", "HorizontalPodAutoscaler"):
        if "managed-services" in str(values) and kind == "StatefulSet":
            continue
        assert kind in result.stdout


def chart_copy(tmp_path: Path) -> Path:
    target = tmp_path / "voice-assistant"
    shutil.copytree(CHART, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer contains {old!r}: update this test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        # an unknown field in the agent Deployment's pod spec: strict decoding
        (
            "templates/agent.yaml",
            "      automountServiceAccountToken: false\n",
            "      automountServiceAccountToken: false\n      restartPolicyy: Always\n",
            'unknown field "spec.template.spec.restartPolicyy"',
        ),
        # a field of the wrong type
        (
            "templates/backend.yaml",
            "  replicas: {{ $be.replicas }}",
            '  replicas: "two"',
            "Deployment",
        ),
        # the grace period no longer covers the worker's drain
        (
            "templates/agent.yaml",
            "{{ add $ag.drainTimeoutSeconds $ag.drainMarginSeconds }}",
            "30",
            "must cover the drain",
        ),
        # pods allowed to run as root
        ("templates/_helpers.tpl", "runAsNonRoot: true", "runAsNonRoot: false", "may run as root"),
        # the backend's probes on another path
        (
            "templates/backend.yaml",
            "path: /api/health\n              port: http\n            periodSeconds: 5",
            "path: /healthz\n              port: http\n            periodSeconds: 5",
            "needs a readinessProbe on GET /api/health",
        ),
        # a Secret key that does not exist
        (
            "templates/agent.yaml",
            '"key" "agent-service-token"',
            '"key" "agent-service-tokn"',
            'reads key "agent-service-tokn"',
        ),
        # helm lint: a chart without a version
        ("Chart.yaml", "version: 0.1.0\n", "", "helm lint"),
        # no resource limits on the agent
        (
            "templates/agent.yaml",
            "{{- toYaml $ag.resources | nindent 12 }}",
            "requests: {{- toYaml $ag.resources.requests | nindent 14 }}",
            "has no cpu limit",
        ),
    ],
    ids=[
        "unknown-field",
        "wrong-type",
        "grace-shorter-than-drain",
        "runs-as-root",
        "no-health-probe",
        "missing-secret-key",
        "lint-error",
        "no-limits",
    ],
)
def test_chart_validator_fails_on_a_broken_copy(
    validator: Path, tmp_path: Path, file: str, old: str, new: str, expected: str
) -> None:
    chart = chart_copy(tmp_path)
    edit(chart / file, old, new)
    result = run(validator, "helm", chart, "-f", CI_VALUES / "create-secret.yaml")
    assert_fails(result, expected)


def test_chart_validator_fails_without_network_policies(validator: Path, tmp_path: Path) -> None:
    chart = chart_copy(tmp_path)
    (chart / "templates" / "networkpolicies.yaml").unlink()
    assert_fails(run(validator, "helm", chart, *EXTERNAL_SECRET), "no NetworkPolicy")


def test_chart_validator_fails_on_a_misspelt_value(validator: Path, tmp_path: Path) -> None:
    # values.schema.json: an unknown key would otherwise be ignored without a word
    values = tmp_path / "typo.yaml"
    values.write_text("agent:\n  maxSesions: 3\n", encoding="utf-8")
    result = run(validator, "helm", CHART, "-f", values, *EXTERNAL_SECRET)
    assert_fails(result, "additional properties 'maxSesions' not allowed")


def test_chart_validator_fails_on_an_undeclared_secret(validator: Path) -> None:
    # the default values read a Secret made outside the chart: it must be declared
    assert_fails(run(validator, "helm", CHART), "neither rendered nor declared external")


# -- Dockerfiles -------------------------------------------------------------------------------


@pytest.mark.parametrize("part", DOCKERFILES)
def test_dockerfile_is_valid(validator: Path, part: str) -> None:
    assert_ok(run(validator, "dockerfile", ROOT / part / "Dockerfile", *DOCKERFILES[part]))


@pytest.mark.parametrize(
    ("part", "old", "new", "expected"),
    [
        ("agent", "USER 10001:10001", "USER root", "runs as root"),
        ("backend", "USER 10001:10001\n", "", "no USER"),
        (
            "agent",
            "--package voice-agent --no-install-workspace",
            "--package voice-agent --no-install-workspace --no-frozen",
            "without --frozen",
        ),
        (
            "backend",
            "uv sync --frozen --no-dev --package voice-backend\n",
            "uv sync --no-dev --package voice-backend\n",
            "without --frozen",
        ),
        (
            "backend",
            "@sha256:b21fe589dfbe5cc39365d0544b9be3f1f33f55f3c86c87a76ff65a02f8f5848e",
            "",
            "is not pinned",
        ),
        ("agent", "RUN /app/.venv/bin/python -m voice_agent.check_models", "RUN true", "check_"),
        ("backend", "npm ci --no-audit --no-fund", "npm install", "npm ci"),
        ("agent", "    && chmod -R a+rX /app/models", "", "chmod"),
        ("agent", "libgomp1=12.2.0-14+deb12u1", "libgomp1", "without an exact version"),
    ],
    ids=[
        "user-root",
        "no-user",
        "uv-not-frozen",
        "uv-sync-without-frozen",
        "unpinned-from",
        "models-not-baked",
        "npm-install",
        "model-unreadable",
        "apt-unpinned",
    ],
)
def test_dockerfile_validator_fails_on_a_broken_copy(
    validator: Path, tmp_path: Path, part: str, old: str, new: str, expected: str
) -> None:
    broken = broken_copy(ROOT / part / "Dockerfile", tmp_path, old, new)
    assert_fails(run(validator, "dockerfile", broken, *DOCKERFILES[part]), expected)


# -- Terraform ---------------------------------------------------------------------------------


def test_terraform_is_formatted_and_consistent(validator: Path) -> None:
    result = run(validator, "terraform", TERRAFORM)
    assert_ok(result)
    assert "files formatted" in result.stdout


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        # `terraform fmt` would realign this
        ("main.tf", "  name      = var.release_name\n", "  name = var.release_name\n", "fmt"),
        ("main.tf", "var.release_name\n", "var.release_nam\n", "var.release_nam is used"),
        ("main.tf", "storage = var.postgresql_storage", 'storage = "10Gi"', "never used"),
        ("versions.tf", 'version = "2.17.0"', 'version = ">= 2.0"', "exact version"),
        ("variables.tf", 'default     = "va"', 'default     = "va', "variables.tf"),
        ("outputs.tf", '  description = "Namespace of the release."\n', "", "no description"),
        (
            "main.tf",
            'chart     = "${path.module}/${var.chart_path}"',
            'chart     = "${var.chart_path}"',
            "unwraps",
        ),
        (
            "variables.tf",
            '  type        = string\n  default     = "va"',
            '  type        = "string"\n  default     = "va"',
            "rewrites this variable type",
        ),
    ],
    ids=[
        "misaligned",
        "undeclared-variable",
        "unused-variable",
        "unpinned-provider",
        "syntax-error",
        "output-without-description",
        "interpolation-only",
        "quoted-type",
    ],
)
def test_terraform_validator_fails_on_a_broken_copy(
    validator: Path, tmp_path: Path, file: str, old: str, new: str, expected: str
) -> None:
    copy = tmp_path / "terraform"
    shutil.copytree(TERRAFORM, copy)
    edit(copy / file, old, new)
    assert_fails(run(validator, "terraform", copy), expected)
