// A fresh process for the network tests: prints the caller's account as STS answers it, with the
// environment the test started it with (NODE_EXTRA_CA_CERTS is read only when Node starts).
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { useAwsSettings } from "../../providers/awsIdentity";
import { sdkClientConfig } from "../../providers/kit/sdk";

useAwsSettings({});
new STSClient(sdkClientConfig("us-east-1", "sts"))
    .send(new GetCallerIdentityCommand({}))
    .then((r) => process.stdout.write(`${r.Account}\n`))
    .catch((e: Error) => {
        process.stderr.write(`${e.name}: ${e.message}\n`);
        process.exitCode = 1;
    });
