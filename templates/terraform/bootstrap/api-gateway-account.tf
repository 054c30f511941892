################################################################################
# API Gateway's CloudWatch role: one setting per account and region, which every API's access and execution logs
# need. Set here, once, rather than by each project's stages.
################################################################################

data "aws_iam_policy_document" "api_gateway_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "api_gateway_cloudwatch" {
  count = var.manage_api_gateway_account ? 1 : 0

  # Serves every API of the account in this region, hence a prefix rather than this project's name.
  name_prefix        = "apigateway-cloudwatch-"
  assume_role_policy = data.aws_iam_policy_document.api_gateway_assume_role.json
}

resource "aws_iam_role_policy_attachment" "api_gateway_cloudwatch" {
  count = var.manage_api_gateway_account ? 1 : 0

  role       = aws_iam_role.api_gateway_cloudwatch[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  count = var.manage_api_gateway_account ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.api_gateway_cloudwatch[0].arn

  # API Gateway checks that the role can already write to CloudWatch Logs.
  depends_on = [aws_iam_role_policy_attachment.api_gateway_cloudwatch]
}
