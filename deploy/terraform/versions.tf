# Terraform for a Kubernetes target: a namespace, the credentials Secret and the Helm release
# of deploy/helm/voice-assistant. Versions are pinned exactly; `terraform init` fetches the
# providers from the Terraform registry.
terraform {
  required_version = "1.13.3"

  required_providers {
    helm = {
      source  = "hashicorp/helm"
      version = "2.17.0"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "2.38.0"
    }
  }
}

provider "kubernetes" {
  config_path    = var.kubeconfig_path
  config_context = var.kube_context
}

provider "helm" {
  kubernetes {
    config_path    = var.kubeconfig_path
    config_context = var.kube_context
  }
}
