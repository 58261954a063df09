# -- cluster -------------------------------------------------------------------------------

variable "kubeconfig_path" {
  description = "Path of the kubeconfig file for the target cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "kube_context" {
  description = "kubeconfig context to use (null: the file's current context)."
  type        = string
  default     = null
}

variable "namespace" {
  description = "Namespace for the release (created here)."
  type        = string
  default     = "voice-assistant"
}

variable "release_name" {
  description = "Helm release name; the services are <release>-backend, <release>-livekit, ..."
  type        = string
  default     = "va"
}

variable "chart_path" {
  description = "Path of the chart, relative to this directory."
  type        = string
  default     = "../helm/voice-assistant"
}

# -- images --------------------------------------------------------------------------------

variable "agent_image" {
  description = "Agent image built from agent/Dockerfile: repository, tag and (optional) digest."
  type = object({
    repository = string
    tag        = string
    digest     = optional(string, "")
  })
}

variable "backend_image" {
  description = "Backend image built from backend/Dockerfile: repository, tag and (optional) digest."
  type = object({
    repository = string
    tag        = string
    digest     = optional(string, "")
  })
}

# -- public addresses ----------------------------------------------------------------------

variable "livekit_public_url" {
  description = "wss:// URL browsers use for LiveKit signalling (handed out by the backend)."
  type        = string
}

variable "web_host" {
  description = "Host name of the web page and API (Ingress); null: no Ingress."
  type        = string
  default     = null
}

variable "livekit_host" {
  description = "Host name of LiveKit signalling on the Ingress (with web_host)."
  type        = string
  default     = null
}

variable "ingress_class_name" {
  description = "IngressClass of the Ingress."
  type        = string
  default     = "nginx"
}

variable "tls_secret_name" {
  description = "Secret with the TLS certificate for both host names (empty: no TLS on the Ingress)."
  type        = string
  default     = ""
}

# -- sizes (fill from bench/capacity; docs/deployment.md) ----------------------------------

variable "agent_max_sessions" {
  description = "Calls per agent pod (AGENT_MAX_SESSIONS)."
  type        = number
  default     = 2
}

variable "agent_min_replicas" {
  description = "Fewest agent pods the autoscaler keeps."
  type        = number
  default     = 2
}

variable "agent_max_replicas" {
  description = "Most agent pods the autoscaler starts."
  type        = number
  default     = 10
}

variable "agent_autoscaling_metric" {
  description = "cpu, or workerLoad (needs a custom-metrics adapter for lk_agents_worker_load)."
  type        = string
  default     = "cpu"

  validation {
    condition     = contains(["cpu", "workerLoad"], var.agent_autoscaling_metric)
    error_message = "agent_autoscaling_metric must be cpu or workerLoad."
  }
}

variable "agent_resources" {
  description = "CPU and memory of one agent pod (requests = limits)."
  type = object({
    cpu    = string
    memory = string
  })
  default = {
    cpu    = "2"
    memory = "5Gi"
  }
}

variable "agent_drain_timeout_seconds" {
  description = "How long a stopping agent pod lets its calls run on (its grace period follows)."
  type        = number
  default     = 1800
}

variable "backend_replicas" {
  description = "Backend pods (stateless)."
  type        = number
  default     = 2
}

variable "livekit_replicas" {
  description = "livekit-server nodes sharing Redis (one per Kubernetes node)."
  type        = number
  default     = 2
}

variable "postgresql_enabled" {
  description = "true: the chart's PostgreSQL; false: a managed one at database_url."
  type        = bool
  default     = true
}

variable "postgresql_storage" {
  description = "Volume size of the chart's PostgreSQL."
  type        = string
  default     = "10Gi"
}

variable "redis_enabled" {
  description = "true: the chart's Redis; false: a managed one (redis_address and redis_url)."
  type        = bool
  default     = true
}

variable "redis_address" {
  description = "host:port of a managed Redis for livekit-server (redis_enabled = false)."
  type        = string
  default     = ""
}

# -- credentials (from a secret store or TF_VAR_*; never in a committed .tfvars) --------------

variable "livekit_api_key" {
  description = "LiveKit API key id (not secret)."
  type        = string
  default     = "voiceassistant"
}

variable "livekit_api_secret" {
  description = "LiveKit API secret, 32+ characters."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.livekit_api_secret) >= 32
    error_message = "livekit_api_secret must be at least 32 characters."
  }
}

variable "agent_service_token" {
  description = "The agent's bearer token for the backend, 32+ characters."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.agent_service_token) >= 32
    error_message = "agent_service_token must be at least 32 characters."
  }
}

variable "job_credential_secret" {
  description = "Signs the agent jobs' credentials; the backend's alone, 32+ characters."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.job_credential_secret) >= 32
    error_message = "job_credential_secret must be at least 32 characters."
  }
}

variable "postgres_password" {
  description = "Password of the chart's PostgreSQL (URL-safe characters)."
  type        = string
  sensitive   = true
  default     = ""
}

variable "database_url" {
  description = "postgresql://... of a managed database (postgresql_enabled = false)."
  type        = string
  sensitive   = true
  default     = ""
}

variable "redis_url" {
  description = "redis://... of a managed Redis for the backend (redis_enabled = false)."
  type        = string
  sensitive   = true
  default     = ""
}

variable "backend_api_keys" {
  description = "Comma-separated user API keys (16+ characters each); empty: users only."
  type        = string
  sensitive   = true
  default     = ""
}
