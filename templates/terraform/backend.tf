# Each stage's state lives in S3 (the bucket terraform/bootstrap creates), under a key of its own, encrypted,
# and locked by a lock file beside it (use_lockfile: Terraform >= 1.10, no DynamoDB table). The bucket, key and
# region are the stage's: stages/<stage>.s3.tfbackend, which `npm run plan|deploy|destroy -- --stage <stage>`
# passes to `terraform init -backend-config`.
terraform {
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}
