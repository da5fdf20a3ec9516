import { defineGeneratedSuite } from '../support/generated';

defineGeneratedSuite(1, 4);
