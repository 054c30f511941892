# What the bootstrap promises, checked by Terraform itself: `terraform test` in terraform/bootstrap (after
# `terraform init -backend=false`). The AWS provider is mocked and every run only plans: nothing is created and
# no credentials are needed.

mock_provider "aws" {
  # The provider checks that a role's policy is JSON; the mock's own strings are not.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
}

# Known at plan time, so that the assertions can compare with them.
override_resource {
  target          = aws_s3_bucket.state
  override_during = plan
  values = {
    arn = "arn:aws:s3:::tests-state"
    id  = "tests-state"
  }
}

override_resource {
  target          = aws_iam_openid_connect_provider.github
  override_during = plan
  values = {
    arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }
}

variables {
  github_repository = "octo-org/tests-api"

  # The X-Ray actions that accept no narrower resource than "*": listing sampling rules, reading traces.
  xray_reads_on_any_resource = [
    "xray:GetSamplingRules", "xray:GetTraceSegmentDestination", "xray:GetTraceSummaries", "xray:BatchGetTraces",
    "xray:StartTraceRetrieval", "xray:ListRetrievedTraces", "xray:GetIndexingRules", "xray:GetSamplingStatisticSummaries",
  ]
}

run "as_configured" {
  command = plan

  assert {
    condition     = aws_s3_bucket.state.bucket == "${var.state_bucket_prefix}-123456789012-${var.region}"
    error_message = "The state bucket is named <prefix>-<account id>-<region>, as the stages' .s3.tfbackend files expect."
  }

  assert {
    condition     = aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled"
    error_message = "The state bucket keeps every version of each state."
  }

  assert {
    condition = length(aws_s3_bucket_server_side_encryption_configuration.state.rule) == 1 && alltrue([
      for rule in aws_s3_bucket_server_side_encryption_configuration.state.rule : rule.apply_server_side_encryption_by_default[0].sse_algorithm == "AES256"
    ])
    error_message = "The state bucket encrypts every object at rest."
  }

  assert {
    condition = (
      aws_s3_bucket_public_access_block.state.block_public_acls &&
      aws_s3_bucket_public_access_block.state.block_public_policy &&
      aws_s3_bucket_public_access_block.state.ignore_public_acls &&
      aws_s3_bucket_public_access_block.state.restrict_public_buckets
    )
    error_message = "The state bucket blocks every kind of public access."
  }

  assert {
    condition = anytrue([
      for statement in data.aws_iam_policy_document.state_bucket.statement : (
        statement.effect == "Deny" &&
        toset(statement.actions) == toset(["s3:*"]) &&
        toset(statement.resources) == toset(["arn:aws:s3:::tests-state", "arn:aws:s3:::tests-state/*"]) &&
        anytrue([for condition in statement.condition : condition.test == "Bool" && condition.variable == "aws:SecureTransport" && toset(condition.values) == toset(["false"])])
      )
    ])
    error_message = "The state bucket's policy refuses every request without TLS, on the bucket and its objects."
  }

  assert {
    condition     = length(aws_api_gateway_account.this) == 1 && aws_iam_role_policy_attachment.api_gateway_cloudwatch[0].policy_arn == "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
    error_message = "The bootstrap sets API Gateway's account-wide CloudWatch role, able to push logs."
  }

  assert {
    condition = (
      length(aws_iam_openid_connect_provider.github) == 1 &&
      aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com" &&
      toset(aws_iam_openid_connect_provider.github[0].client_id_list) == toset(["sts.amazonaws.com"])
    )
    error_message = "Without an existing one, the bootstrap creates the OIDC provider for GitHub Actions, for STS."
  }

  assert {
    condition = alltrue([
      for role, subjects in {
        plan   = ["repo:octo-org/tests-api:pull_request"]
        deploy = [for environment in var.deploy_environments : "repo:octo-org/tests-api:environment:${environment}"]
        } : alltrue([
          for statement in data.aws_iam_policy_document.ci_assume_role[role].statement : (
            toset(statement.actions) == toset(["sts:AssumeRoleWithWebIdentity"]) &&
            alltrue([for principal in statement.principals : principal.type == "Federated" && toset(principal.identifiers) == toset(["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"])]) &&
            anytrue([for condition in statement.condition : condition.test == "StringEquals" && condition.variable == "token.actions.githubusercontent.com:aud" && toset(condition.values) == toset(["sts.amazonaws.com"])]) &&
            anytrue([for condition in statement.condition : condition.test == "StringEquals" && condition.variable == "token.actions.githubusercontent.com:sub" && toset(condition.values) == toset(subjects)])
          )
      ])
    ])
    error_message = "The plan role trusts only the repository's pull requests, the deploy role only its deploy environments, through the GitHub OIDC provider for STS."
  }

  assert {
    condition     = alltrue([for role in aws_iam_role.ci : role.path == "/github-actions/"])
    error_message = "The CI roles live under /github-actions/, out of reach of the project roles (role/<name>-*) the deploy role manages."
  }

  assert {
    condition = alltrue(flatten([
      for statement in data.aws_iam_policy_document.ci["plan"].statement : [
        for action in statement.actions : can(regex("^[a-z0-9-]+:(Get|List|Describe|BatchGet|GET$)", action)) || (
          contains(["s3:PutObject", "s3:DeleteObject"], action) && alltrue([for resource in statement.resources : endswith(resource, ".tflock")])
        )
      ]
    ]))
    error_message = "The plan role only reads, and writes nothing but the state's lock files."
  }

  assert {
    condition = alltrue(flatten([
      for policy in data.aws_iam_policy_document.ci : [
        for statement in policy.statement : [
          for action in statement.actions : !endswith(action, "*") && (!contains(statement.resources, "*") || contains(var.xray_reads_on_any_resource, action))
        ]
      ]
    ]))
    error_message = "No CI permission names a wildcard action, and only X-Ray's reads, which accept no narrower resource, apply to \"*\"."
  }

  assert {
    condition = alltrue(flatten([
      for policy in data.aws_iam_policy_document.ci : [
        for statement in policy.statement : toset(statement.resources) == toset(["arn:aws:iam::123456789012:role/${var.name}-*"])
        if anytrue([for action in statement.actions : startswith(action, "iam:")])
      ]
    ]))
    error_message = "The CI roles act on IAM roles named <name>-* only (the stages' Lambda roles)."
  }

  assert {
    condition = alltrue(flatten([
      for policy in data.aws_iam_policy_document.ci : [
        for statement in policy.statement : anytrue([
          for condition in statement.condition : condition.test == "StringEquals" && condition.variable == "iam:PassedToService" && toset(condition.values) == toset(["lambda.amazonaws.com"])
        ]) if contains(statement.actions, "iam:PassRole")
      ]
    ]))
    error_message = "The deploy role may pass the project's roles to Lambda and to nothing else."
  }

  assert {
    condition = alltrue(flatten([
      for policy in data.aws_iam_policy_document.ci : [
        for statement in policy.statement : [
          for resource in statement.resources : !startswith(resource, "arn:aws:s3:::") || resource == "arn:aws:s3:::tests-state" || startswith(resource, "arn:aws:s3:::tests-state/${var.name}/")
        ]
      ]
    ]))
    error_message = "The CI roles reach the state bucket, under the project's own keys, and no other bucket."
  }
}

run "with_an_existing_oidc_provider_and_api_gateway_role" {
  command = plan

  variables {
    github_oidc_provider_arn   = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com/existing"
    manage_api_gateway_account = false
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0 && length(aws_api_gateway_account.this) == 0 && length(aws_iam_role.api_gateway_cloudwatch) == 0
    error_message = "With an existing OIDC provider and manage_api_gateway_account = false, the bootstrap creates neither."
  }

  assert {
    condition = alltrue(flatten([
      for document in data.aws_iam_policy_document.ci_assume_role : [
        for statement in document.statement : [for principal in statement.principals : toset(principal.identifiers) == toset([var.github_oidc_provider_arn])]
      ]
    ]))
    error_message = "The CI roles trust the existing OIDC provider."
  }
}

run "refuses_the_placeholder_repository" {
  command = plan

  variables {
    github_repository = "OWNER/tests-api"
  }

  expect_failures = [var.github_repository]
}
