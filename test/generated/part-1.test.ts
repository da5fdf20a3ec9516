import { defineGeneratedSuite } from '../support/generated';

defineGeneratedSuite(0, 4);
