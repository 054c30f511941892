# What this project promises, checked by Terraform itself: `npm run test:infra` (or, after `npm run build`,
# `terraform test` in terraform/). The AWS provider is mocked and every run only plans, so nothing is
# created and no credentials are needed. The expectations are read from openapi/openapi.yaml here, on
# their own, rather than from locals.tf, so a change to how the .tf files read the document is caught too.

mock_provider "aws" {
  # The provider checks that a role's policy is JSON; the mock's own strings are not.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

# Known at plan time, so that the assertions can compare with them.
override_resource {
  target          = aws_sns_topic.this
  override_during = plan
  values = {
    arn = "arn:aws:sns:us-east-1:123456789012:tests-topic"
  }
}

override_resource {
  target          = aws_api_gateway_rest_api.this
  override_during = plan
  values = {
    id            = "tests-api"
    execution_arn = "arn:aws:execute-api:us-east-1:123456789012:tests-api"
  }
}

override_resource {
  target          = aws_iam_role.lambda
  override_during = plan
  values = {
    arn = "arn:aws:iam::123456789012:role/tests-lambda"
    id  = "tests-lambda"
  }
}

variables {
  # The document's operations: operationId => method, path and x-traced-api.
  expected_operations = merge([
    for route, item in yamldecode(file("../openapi/openapi.yaml")).paths : {
      for method, operation in item : operation.operationId => {
        method        = upper(method)
        path          = route
        function_name = try(operation["x-traced-api"].functionName, null)
        sampling      = try(operation["x-traced-api"].sampling, null)
        # api-key, iam or none: the scheme its security (or the document's) names, as components declares it.
        auth = lookup({
          "x-api-key"     = "api-key"
          "Authorization" = "iam"
          }, try(yamldecode(file("../openapi/openapi.yaml")).components.securitySchemes[
            keys(try(operation.security, yamldecode(file("../openapi/openapi.yaml")).security)[0])[0]
        ].name, "none"), "none")
      } if contains(["get", "put", "post", "delete", "patch"], method)
    }
  ]...)
}

run "as_configured" {
  command = plan

  assert {
    condition     = toset(keys(aws_lambda_function.this)) == toset(keys(var.expected_operations))
    error_message = "Every operation in openapi/openapi.yaml, and nothing else, gets a Lambda function."
  }

  assert {
    condition = alltrue([
      for id, operation in var.expected_operations :
      aws_lambda_function.this[id].function_name == coalesce(operation.function_name, "${var.name_prefix}-${id}")
    ])
    error_message = "Each function is named as x-traced-api.functionName says (or <name_prefix>-<operationId>)."
  }

  assert {
    condition     = alltrue([for id, lambda in aws_lambda_function.this : lambda.tracing_config[0].mode == var.tracing_mode])
    error_message = "Each function traces in the mode var.tracing_mode says."
  }

  assert {
    condition     = alltrue([for id, lambda in aws_lambda_function.this : lambda.role == aws_iam_role.lambda.arn])
    error_message = "Each function runs with the project's Lambda role."
  }

  assert {
    condition     = aws_api_gateway_stage.this.xray_tracing_enabled == var.api_tracing_enabled
    error_message = "The stage's X-Ray tracing follows var.api_tracing_enabled."
  }

  assert {
    condition     = try(jsondecode(aws_api_gateway_stage.this.access_log_settings[0].format).xrayTraceId, null) == "$context.xrayTraceId"
    error_message = "The stage's access log carries the X-Ray trace id (xrayTraceId = $context.xrayTraceId)."
  }

  assert {
    condition = toset(keys(aws_xray_sampling_rule.endpoint)) == toset([
      for id, operation in var.expected_operations : id if operation.sampling != null
    ])
    error_message = "Every operation with x-traced-api.sampling, and no other, gets a sampling rule of its own."
  }

  assert {
    condition = alltrue([
      for id, operation in var.expected_operations : (
        aws_xray_sampling_rule.endpoint[id].rule_name == operation.sampling.ruleName &&
        aws_xray_sampling_rule.endpoint[id].service_name == "${var.name}/${var.stage}" &&
        aws_xray_sampling_rule.endpoint[id].service_type == "AWS::ApiGateway::Stage" &&
        aws_xray_sampling_rule.endpoint[id].http_method == operation.method &&
        aws_xray_sampling_rule.endpoint[id].url_path == "*${replace(operation.path, "/\\{[^}]+\\}/", "*")}" &&
        aws_xray_sampling_rule.endpoint[id].priority == operation.sampling.priority &&
        aws_xray_sampling_rule.endpoint[id].reservoir_size == operation.sampling.reservoirSize &&
        aws_xray_sampling_rule.endpoint[id].fixed_rate == operation.sampling.fixedRate
      ) if operation.sampling != null
    ])
    error_message = "Each operation's sampling rule has the name, stage (service name and type), method, path, priority, reservoir and rate that openapi/openapi.yaml gives it."
  }

  assert {
    condition = (
      aws_xray_sampling_rule.api_default.service_name == "${var.name}/${var.stage}" &&
      aws_xray_sampling_rule.api_default.service_type == "AWS::ApiGateway::Stage" &&
      aws_xray_sampling_rule.api_default.http_method == "*" &&
      aws_xray_sampling_rule.api_default.url_path == "*" &&
      aws_xray_sampling_rule.api_default.priority == var.default_sampling_rule_priority &&
      aws_xray_sampling_rule.api_default.reservoir_size == var.default_sampling_reservoir_size &&
      aws_xray_sampling_rule.api_default.fixed_rate == var.default_sampling_fixed_rate
    )
    error_message = "The API default rule matches every request of the stage, with the priority, reservoir and rate of its variables."
  }

  assert {
    condition = alltrue([
      for id, rule in aws_xray_sampling_rule.endpoint : rule.priority < aws_xray_sampling_rule.api_default.priority
    ])
    error_message = "Every endpoint rule comes before the API default rule."
  }

  assert {
    condition = toset(flatten([
      for statement in data.aws_iam_policy_document.lambda.statement : [
        for action in statement.actions : action if startswith(action, "xray:")
      ]
    ])) == toset(["xray:PutTraceSegments", "xray:PutTelemetryRecords"])
    error_message = "The Lambda role has exactly the X-Ray actions the functions use: xray:PutTraceSegments and xray:PutTelemetryRecords (no xray:GetSampling*: in Lambda the SDK never asks for sampling rules)."
  }

  assert {
    condition = alltrue([
      for statement in data.aws_iam_policy_document.lambda.statement :
      length([for action in statement.actions : action if startswith(lower(action), "sns:")]) == 0 ? true : (
        statement.actions == toset(["sns:Publish"]) &&
        statement.resources == toset(aws_sns_topic.this[*].arn)
      )
    ])
    error_message = "The Lambda role's only SNS permission is sns:Publish on the project's topic."
  }

  assert {
    condition = length(flatten([
      for statement in data.aws_iam_policy_document.lambda.statement : [
        for action in statement.actions : action if action == "sns:Publish"
      ]
    ])) == length(aws_sns_topic.this)
    error_message = "The Lambda role may publish to the topic when the project has one, and to nothing without one."
  }

  assert {
    condition     = aws_iam_role_policy.lambda.role == aws_iam_role.lambda.id
    error_message = "The policy with these permissions is attached to the Lambda role."
  }

  assert {
    condition = (
      length(aws_api_gateway_api_key.this) == (anytrue([for id, operation in var.expected_operations : operation.auth == "api-key"]) ? 1 : 0) &&
      length(aws_api_gateway_usage_plan_key.this) == length(aws_api_gateway_api_key.this) &&
      aws_api_gateway_rest_api.this.api_key_source == "HEADER"
    )
    error_message = "An API key (read from the x-api-key header) and its usage plan key exist exactly when an operation requires an API key."
  }

  assert {
    condition = alltrue([
      for plan in aws_api_gateway_usage_plan.this : (
        one(plan.api_stages).api_id == aws_api_gateway_rest_api.this.id &&
        one(plan.api_stages).stage == var.stage &&
        one(plan.throttle_settings).rate_limit == var.api_key_rate_limit &&
        one(plan.throttle_settings).burst_limit == var.api_key_burst_limit &&
        one(plan.quota_settings).limit == var.api_key_quota_limit &&
        one(plan.quota_settings).period == var.api_key_quota_period
      )
    ])
    error_message = "The API key's usage plan is on the project's stage, throttled and bounded by the api_key_* variables."
  }

  assert {
    condition = toset(flatten([for document in data.aws_iam_policy_document.invoke : [for statement in document.statement : statement.resources]])) == toset([
      for id, operation in var.expected_operations :
      "arn:aws:execute-api:us-east-1:123456789012:tests-api/${var.stage}/${operation.method}${replace(operation.path, "/\\{[^}]+\\}/", "*")}"
      if operation.auth == "iam"
    ])
    error_message = "The invoke policy output grants execute-api:Invoke on exactly the routes that require IAM auth (<api>/<stage>/<METHOD>/<path>)."
  }

  assert {
    condition = alltrue(flatten([
      for document in data.aws_iam_policy_document.invoke : [for statement in document.statement : statement.actions == toset(["execute-api:Invoke"])]
    ]))
    error_message = "The invoke policy grants execute-api:Invoke and nothing else."
  }
}

# The tracing settings follow the variables whatever their values, not only the ones the project was made with.
run "passthrough_without_stage_tracing" {
  command = plan

  variables {
    tracing_mode        = "PassThrough"
    api_tracing_enabled = false
  }

  assert {
    condition     = alltrue([for id, lambda in aws_lambda_function.this : lambda.tracing_config[0].mode == var.tracing_mode])
    error_message = "Each function traces in the mode var.tracing_mode says."
  }

  assert {
    condition     = aws_api_gateway_stage.this.xray_tracing_enabled == var.api_tracing_enabled
    error_message = "The stage's X-Ray tracing follows var.api_tracing_enabled."
  }
}

run "active_with_stage_tracing" {
  command = plan

  variables {
    tracing_mode        = "Active"
    api_tracing_enabled = true
  }

  assert {
    condition     = alltrue([for id, lambda in aws_lambda_function.this : lambda.tracing_config[0].mode == var.tracing_mode])
    error_message = "Each function traces in the mode var.tracing_mode says."
  }

  assert {
    condition     = aws_api_gateway_stage.this.xray_tracing_enabled == var.api_tracing_enabled
    error_message = "The stage's X-Ray tracing follows var.api_tracing_enabled."
  }
}
