provider "aws" {
  region = var.region

  default_tags {
    tags = { Project = var.name, Stage = "bootstrap", ManagedBy = "terraform" }
  }
}
