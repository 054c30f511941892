output "state_bucket" {
  description = "The state bucket: the bucket of each stage's terraform/stages/<stage>.s3.tfbackend"
  value       = aws_s3_bucket.state.bucket
}

output "ci_plan_role_arn" {
  description = "Role the pull request workflow assumes to plan each stage: the repository secret AWS_PLAN_ROLE_ARN"
  value       = aws_iam_role.ci["plan"].arn
}

output "ci_deploy_role_arn" {
  description = "Role the deploy job assumes in its GitHub environment: that environment's secret AWS_DEPLOY_ROLE_ARN"
  value       = aws_iam_role.ci["deploy"].arn
}

output "github_oidc_provider_arn" {
  description = "The account's IAM OIDC provider for GitHub Actions"
  value       = local.github_oidc_provider_arn
}

output "api_gateway_cloudwatch_role_arn" {
  description = "API Gateway's account-wide CloudWatch role (null where another stack sets it)"
  value       = one(aws_iam_role.api_gateway_cloudwatch[*].arn)
}
