output "namespace" {
  description = "Namespace of the release."
  value       = helm_release.voice_assistant.namespace
}

output "backend_service" {
  description = "In-cluster address of the backend (web page and API)."
  value       = "http://${var.release_name}-backend.${var.namespace}.svc.cluster.local:8000"
}

output "livekit_service" {
  description = "In-cluster LiveKit signalling address (what agent workers use)."
  value       = "ws://${var.release_name}-livekit.${var.namespace}.svc.cluster.local:7880"
}

output "credentials_secret" {
  description = "Name of the Secret holding the credentials."
  value       = kubernetes_secret.credentials.metadata[0].name
}
