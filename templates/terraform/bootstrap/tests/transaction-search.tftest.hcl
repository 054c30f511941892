# Transaction Search as the bootstrap turns it on (projects made with --transaction-search): `terraform test` in
# terraform/bootstrap. The AWS provider (>= 6.46, for these resources) is mocked and every run only plans.

mock_provider "aws" {
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

variables {
  github_repository = "octo-org/tests-api"
}

run "turns_transaction_search_on" {
  command = plan

  variables {
    transaction_search_indexing_percentage = 5
  }

  assert {
    condition     = aws_xray_trace_segment_destination.this.destination == "CloudWatchLogs"
    error_message = "X-Ray sends the account's segments to CloudWatch Logs."
  }

  assert {
    condition     = aws_xray_indexing_rule.default.name == "Default" && aws_xray_indexing_rule.default.rule[0].probabilistic[0].desired_sampling_percentage == 5
    error_message = "The Default indexing rule indexes var.transaction_search_indexing_percentage of the traces."
  }

  assert {
    condition = anytrue([
      for statement in data.aws_iam_policy_document.transaction_search.statement : (
        toset(statement.actions) == toset(["logs:PutLogEvents"]) &&
        contains(statement.resources, "arn:aws:logs:${var.region}:123456789012:log-group:aws/spans:*") &&
        alltrue([for principal in statement.principals : toset(principal.identifiers) == toset(["xray.amazonaws.com"])]) &&
        anytrue([for condition in statement.condition : condition.variable == "aws:SourceAccount" && toset(condition.values) == toset(["123456789012"])])
      )
    ])
    error_message = "X-Ray, for this account only, may write the spans to the aws/spans log group."
  }
}

run "refuses_a_share_over_100" {
  command = plan

  variables {
    transaction_search_indexing_percentage = 101
  }

  expect_failures = [var.transaction_search_indexing_percentage]
}
