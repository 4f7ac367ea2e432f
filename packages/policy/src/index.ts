/**
 * pulumi-businesscentral-policy: a CrossGuard policy pack for pulumi-businesscentral programs.
 * Run it with `pulumi preview --policy-pack node_modules/pulumi-businesscentral-policy` (README.md).
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("pulumi-businesscentral", { policies });
