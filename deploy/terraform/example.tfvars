# Copy to a git-ignored terraform.tfvars and fill in. Credentials: pass them as TF_VAR_*
# environment variables (TF_VAR_livekit_api_secret, TF_VAR_agent_service_token,
# TF_VAR_job_credential_secret, TF_VAR_postgres_password), never in this file.
agent_image = {
  repository = "registry.example.com/voice-assistant/agent"
  tag        = "0.1.0"
}
backend_image = {
  repository = "registry.example.com/voice-assistant/backend"
  tag        = "0.1.0"
}
livekit_public_url = "wss://livekit.example.com"
web_host           = "voice.example.com"
livekit_host       = "livekit.example.com"
tls_secret_name    = "voice-tls"

agent_min_replicas = 2
agent_max_replicas = 10
agent_max_sessions = 2
