#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { defineCommerceApp } from '#lib/commerce-app';

// `npx cdk synth -c stage=prod`; see lib/commerce-app.ts for the other context keys.
const app = new App();
defineCommerceApp(app);
app.synth();
