locals {
  secret_name = "${var.release_name}-credentials"

  # Only the keys the chart reads for the chosen PostgreSQL/Redis.
  secret_data = merge(
    {
      "livekit-api-secret"    = var.livekit_api_secret
      "agent-service-token"   = var.agent_service_token
      "job-credential-secret" = var.job_credential_secret
    },
    var.postgresql_enabled ? { "postgres-password" = var.postgres_password } : { "database-url" = var.database_url },
    var.redis_enabled ? {} : { "redis-url" = var.redis_url },
    var.backend_api_keys == "" ? {} : { "backend-api-keys" = var.backend_api_keys },
  )

  values = {
    images = {
      agent   = var.agent_image
      backend = var.backend_image
    }
    secrets = {
      name   = local.secret_name
      create = false
    }
    livekit = {
      replicas  = var.livekit_replicas
      apiKey    = var.livekit_api_key
      publicUrl = var.livekit_public_url
    }
    backend = {
      replicas = var.backend_replicas
    }
    agent = {
      maxSessions         = var.agent_max_sessions
      drainTimeoutSeconds = var.agent_drain_timeout_seconds
      resources = {
        requests = var.agent_resources
        limits   = var.agent_resources
      }
      autoscaling = {
        enabled     = true
        minReplicas = var.agent_min_replicas
        maxReplicas = var.agent_max_replicas
        metric      = var.agent_autoscaling_metric
      }
    }
    postgresql = {
      enabled = var.postgresql_enabled
      storage = var.postgresql_storage
    }
    redis = {
      enabled = var.redis_enabled
    }
    externalRedis = {
      address = var.redis_address
    }
    ingress = {
      enabled       = var.web_host != null
      className     = var.ingress_class_name
      host          = coalesce(var.web_host, "unused.invalid")
      livekitHost   = coalesce(var.livekit_host, "unused.invalid")
      tlsSecretName = var.tls_secret_name
    }
  }
}

resource "kubernetes_namespace" "voice_assistant" {
  metadata {
    name = var.namespace
  }
}

# The credentials the chart reads (secrets.name); they never enter the Helm release's values.
resource "kubernetes_secret" "credentials" {
  metadata {
    name      = local.secret_name
    namespace = kubernetes_namespace.voice_assistant.metadata[0].name
  }
  type = "Opaque"
  data = local.secret_data
}

resource "helm_release" "voice_assistant" {
  name      = var.release_name
  namespace = kubernetes_namespace.voice_assistant.metadata[0].name
  chart     = "${path.module}/${var.chart_path}"
  values    = [yamlencode(local.values)]

  # agent pods drain their calls on upgrades; don't block the apply on it
  wait    = true
  timeout = 900

  depends_on = [kubernetes_secret.credentials]
}
