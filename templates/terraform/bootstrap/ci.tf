################################################################################
# CI: GitHub Actions reach AWS by OIDC only (no long-lived keys). Two roles, each trusting one kind of job of
# var.github_repository: the plan role its pull requests, the deploy role its deploy environments.
################################################################################

resource "aws_iam_openid_connect_provider" "github" {
  count = var.github_oidc_provider_arn == null ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

locals {
  github_oidc_provider_arn = coalesce(var.github_oidc_provider_arn, one(aws_iam_openid_connect_provider.github[*].arn))

  # The OIDC token's subject for each role: pull requests plan, the deploy environments deploy.
  ci_subjects = {
    plan   = ["repo:${var.github_repository}:pull_request"]
    deploy = [for environment in var.deploy_environments : "repo:${var.github_repository}:environment:${environment}"]
  }

  arn = { for service in ["lambda", "logs", "sns", "xray", "cloudwatch"] : service => "arn:${local.partition}:${service}:${var.region}:${local.account_id}" }
  # Sampling rule names are cut to 32 characters (the generator keeps their first 23), so they share this prefix.
  sampling_rule_prefix = replace(substr(var.name, 0, 23), "/[-_]+$/", "")
  api_gateway_resources = [
    for path in ["/restapis", "/restapis/*", "/apikeys", "/apikeys/*", "/usageplans", "/usageplans/*", "/tags/*"] :
    "arn:${local.partition}:apigateway:${var.region}::${path}"
  ]
  log_groups = [
    "${local.arn.logs}:log-group:/aws/lambda/${var.name}-*",
    "${local.arn.logs}:log-group:/aws/apigateway/${var.name}-*",
    # Named by API Gateway after the REST API's id, which is not known before it exists.
    "${local.arn.logs}:log-group:API-Gateway-Execution-Logs_*",
  ]
  # The stages' Lambda roles; the CI roles themselves live under the path /github-actions/, out of this pattern's reach.
  project_roles = ["arn:${local.partition}:iam::${local.account_id}:role/${var.name}-*"]

  # What a plan reads: the state (and its lock file) and every resource a stage holds, as refreshing it does.
  read_statements = [
    { sid = "ListState", actions = ["s3:ListBucket"], resources = [aws_s3_bucket.state.arn], conditions = [] },
    { sid = "ReadState", actions = ["s3:GetObject"], resources = ["${aws_s3_bucket.state.arn}/${var.name}/*"], conditions = [] },
    { sid = "LockState", actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources = ["${aws_s3_bucket.state.arn}/${var.name}/*.tflock"], conditions = [] },
    { sid = "ReadApi", actions = ["apigateway:GET"], resources = local.api_gateway_resources, conditions = [] },
    { sid = "ReadFunctions", actions = ["lambda:GetFunction", "lambda:GetFunctionCodeSigningConfig", "lambda:GetPolicy", "lambda:ListVersionsByFunction", "lambda:ListTags"], resources = ["${local.arn.lambda}:function:${var.name}-*"], conditions = [] },
    { sid = "ReadRoles", actions = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"], resources = local.project_roles, conditions = [] },
    { sid = "ListLogGroups", actions = ["logs:DescribeLogGroups"], resources = ["${local.arn.logs}:log-group:*"], conditions = [] },
    { sid = "ReadLogGroups", actions = ["logs:ListTagsForResource", "logs:ListTagsLogGroup"], resources = local.log_groups, conditions = [] },
    { sid = "ListAlarms", actions = ["cloudwatch:DescribeAlarms"], resources = ["${local.arn.cloudwatch}:alarm:*"], conditions = [] },
    { sid = "ReadAlarms", actions = ["cloudwatch:ListTagsForResource"], resources = ["${local.arn.cloudwatch}:alarm:${var.name}-*"], conditions = [] },
    { sid = "ReadTopic", actions = ["sns:GetTopicAttributes", "sns:ListTagsForResource"], resources = ["${local.arn.sns}:${var.name}-*"], conditions = [] },
    # X-Ray lists sampling rules on "*" only.
    { sid = "ListSamplingRules", actions = ["xray:GetSamplingRules"], resources = ["*"], conditions = [] },
    { sid = "ReadSamplingRules", actions = ["xray:ListTagsForResource"], resources = ["${local.arn.xray}:sampling-rule/${local.sampling_rule_prefix}*"], conditions = [] },
  ]

  # What a deploy writes besides, on the project's own names only; and what `npm run verify` reads afterwards.
  write_statements = [
    { sid = "WriteState", actions = ["s3:PutObject", "s3:DeleteObject"], resources = ["${aws_s3_bucket.state.arn}/${var.name}/*"], conditions = [] },
    { sid = "WriteApi", actions = ["apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"], resources = local.api_gateway_resources, conditions = [] },
    { sid = "WriteFunctions", actions = ["lambda:CreateFunction", "lambda:DeleteFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:AddPermission", "lambda:RemovePermission", "lambda:TagResource", "lambda:UntagResource"], resources = ["${local.arn.lambda}:function:${var.name}-*"], conditions = [] },
    { sid = "WriteRoles", actions = ["iam:CreateRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:ListInstanceProfilesForRole"], resources = local.project_roles, conditions = [] },
    {
      sid        = "PassRolesToLambda"
      actions    = ["iam:PassRole"]
      resources  = local.project_roles
      conditions = [{ test = "StringEquals", variable = "iam:PassedToService", values = ["lambda.amazonaws.com"] }]
    },
    { sid = "WriteLogGroups", actions = ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:TagLogGroup", "logs:UntagLogGroup"], resources = local.log_groups, conditions = [] },
    { sid = "WriteAlarms", actions = ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource"], resources = ["${local.arn.cloudwatch}:alarm:${var.name}-*"], conditions = [] },
    { sid = "WriteTopic", actions = ["sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource"], resources = ["${local.arn.sns}:${var.name}-*"], conditions = [] },
    { sid = "WriteSamplingRules", actions = ["xray:CreateSamplingRule", "xray:UpdateSamplingRule", "xray:DeleteSamplingRule", "xray:TagResource", "xray:UntagResource"], resources = ["${local.arn.xray}:sampling-rule/${local.sampling_rule_prefix}*"], conditions = [] },
    # npm run verify, after the deploy: the traces of its requests and the rules' statistics (X-Ray reads on "*" only).
    { sid = "ReadTraces", actions = ["xray:GetTraceSegmentDestination", "xray:GetTraceSummaries", "xray:BatchGetTraces", "xray:StartTraceRetrieval", "xray:ListRetrievedTraces", "xray:GetIndexingRules", "xray:GetSamplingStatisticSummaries"], resources = ["*"], conditions = [] },
  ]

  ci_statements = {
    plan   = local.read_statements
    deploy = concat(local.read_statements, local.write_statements)
  }
}

data "aws_iam_policy_document" "ci_assume_role" {
  for_each = local.ci_subjects

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = each.value
    }
  }
}

resource "aws_iam_role" "ci" {
  for_each = local.ci_subjects

  name                 = "${var.name}-${each.key}"
  path                 = "/github-actions/"
  assume_role_policy   = data.aws_iam_policy_document.ci_assume_role[each.key].json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "ci" {
  for_each = local.ci_statements

  dynamic "statement" {
    for_each = each.value

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources

      dynamic "condition" {
        for_each = statement.value.conditions

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_iam_role_policy" "ci" {
  for_each = local.ci_statements

  name   = "${each.key}-${var.name}"
  role   = aws_iam_role.ci[each.key].id
  policy = data.aws_iam_policy_document.ci[each.key].json
}
