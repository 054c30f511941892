################################################################################
# CloudWatch Transaction Search: X-Ray sends every segment to CloudWatch Logs (log group aws/spans) and indexes a
# share of the traces as summaries. One setting per account and region, hence here. Needs AWS provider >= 6.46.
################################################################################

variable "transaction_search_indexing_percentage" {
  description = "Share of traces, in percent, that X-Ray indexes as trace summaries (searchable with GetTraceSummaries); whole traces of the rest come from the logs"
  type        = number
  default     = 1

  validation {
    condition     = var.transaction_search_indexing_percentage >= 0 && var.transaction_search_indexing_percentage <= 100
    error_message = "The indexing percentage is a number from 0 to 100."
  }
}

# X-Ray may write the spans to CloudWatch Logs, for this account and region only.
data "aws_iam_policy_document" "transaction_search" {
  statement {
    sid     = "TransactionSearchXRayAccess"
    actions = ["logs:PutLogEvents"]
    resources = [
      "${local.arn.logs}:log-group:aws/spans:*",
      "${local.arn.logs}:log-group:/aws/application-signals/data:*",
    ]

    principals {
      type        = "Service"
      identifiers = ["xray.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["${local.arn.xray}:*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "transaction_search" {
  policy_name     = "TransactionSearchXRayAccess"
  policy_document = data.aws_iam_policy_document.transaction_search.json
}

resource "aws_xray_trace_segment_destination" "this" {
  destination = "CloudWatchLogs"

  # X-Ray refuses the switch until it may write to the log group.
  depends_on = [aws_cloudwatch_log_resource_policy.transaction_search]
}

resource "aws_xray_indexing_rule" "default" {
  name = "Default"

  rule {
    probabilistic {
      desired_sampling_percentage = var.transaction_search_indexing_percentage
    }
  }

  depends_on = [aws_xray_trace_segment_destination.this]
}

output "transaction_search_indexing_percentage" {
  description = "Share of traces X-Ray indexes as summaries under Transaction Search"
  value       = aws_xray_indexing_rule.default.rule[0].probabilistic[0].desired_sampling_percentage
}
