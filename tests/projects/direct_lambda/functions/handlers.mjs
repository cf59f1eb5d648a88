// One Node.js function for the direct test fields, by info.fieldName (a batch is a list).
export const handler = async (event, context) => {
  if (Array.isArray(event)) {
    return event.map((item) =>
      item.source.id === "bad"
        ? { data: null, errorMessage: "bad node item", errorType: "BadNodeItem" }
        : { data: `${item.source.id}|${event.length}|${context.awsRequestId}` },
    );
  }
  switch (event.info.fieldName) {
    case "nodeEcho":
      return JSON.stringify({
        event,
        context: {
          functionName: context.functionName,
          invokedFunctionArn: context.invokedFunctionArn,
          memoryLimitInMB: context.memoryLimitInMB,
          awsRequestId: context.awsRequestId,
          remainingTimeInMillis: context.getRemainingTimeInMillis(),
        },
      });
    case "nodeFail": {
      const error = new Error(event.arguments.message);
      error.name = event.arguments.errorType;
      throw error;
    }
    default:
      throw new Error(`no field ${event.info.fieldName}`);
  }
};
